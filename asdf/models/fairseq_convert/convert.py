"""A fairseq wav2vec 2.0 / XLS-R checkpoint file -> a transformers `Wav2Vec2Model` folder."""

from __future__ import annotations

import logging
import os
import shutil
import tempfile
from pathlib import Path

import torch

from asdf.models.fairseq_convert.config_map import wav2vec2_config_from_fairseq
from asdf.models.fairseq_convert.errors import FairseqConversionError
from asdf.models.fairseq_convert.unpickling import load_fairseq_checkpoint
from asdf.models.fairseq_convert.weight_map import fairseq_to_transformers_state_dict, is_state_dict

logger = logging.getLogger(__name__)


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FairseqConversionError(f"{out_dir} exists and is not an empty folder; refusing to overwrite it")


def _state_dict_of(checkpoint: dict, path: Path) -> dict:
    if is_state_dict(checkpoint.get("model")):
        return checkpoint["model"]
    tensors = {key: value for key, value in checkpoint.items() if isinstance(value, torch.Tensor)}
    if tensors and len(tensors) == len(checkpoint):  # a bare state dict, e.g. a fine-tuned SSL-AASIST model
        return tensors
    raise FairseqConversionError(f"fairseq checkpoint {path} holds no 'model' state dict")


def _shape_problems(model, weights: dict) -> list:
    expected = model.state_dict()
    return [f"{key}: {tuple(weights[key].shape)} in the checkpoint, {tuple(expected[key].shape)} in the model"
            for key in sorted(set(expected) & set(weights)) if expected[key].shape != weights[key].shape]


def convert_fairseq_checkpoint(path, out_dir, prefix: str | None = None, config_from=None) -> Path:
    """Convert the fairseq wav2vec 2.0 checkpoint at `path` into a transformers folder `out_dir` (safetensors).

    `config_from`: a fairseq checkpoint whose settings describe the model, for a checkpoint that has none (a
    fine-tuned SSL-AASIST state dict: pass the xlsr2_300m.pt it started from). The folder is written beside
    `out_dir` and renamed into place; an existing non-empty `out_dir` is refused. Returns `out_dir`.
    """
    from transformers import Wav2Vec2Model

    path, out_dir = Path(path), Path(out_dir)
    _check_out_dir(out_dir)
    checkpoint = load_fairseq_checkpoint(path)
    settings = load_fairseq_checkpoint(config_from) if config_from is not None else checkpoint
    try:
        config = wav2vec2_config_from_fairseq(settings)
    except FairseqConversionError as error:
        source = config_from if config_from is not None else path
        raise FairseqConversionError(f"{source}: {error}") from error
    weights = fairseq_to_transformers_state_dict(_state_dict_of(checkpoint, path), config, prefix)
    model = Wav2Vec2Model(config)
    problems = _shape_problems(model, weights)
    if problems:
        raise FairseqConversionError(f"fairseq checkpoint {path} does not fit its own settings: "
                                     + "; ".join(problems[:10]))
    model.load_state_dict(weights, strict=True)
    model.eval()

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        model.save_pretrained(temporary)
        _check_out_dir(out_dir)
        if out_dir.exists():
            out_dir.rmdir()  # empty: replaced by the written folder
        os.rename(temporary, out_dir)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
    logger.info("converted %s (%d layers, hidden size %d) -> %s", path, config.num_hidden_layers,
                config.hidden_size, out_dir)
    return out_dir
