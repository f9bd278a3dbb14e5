"""Training checkpoints: self-describing model files and the full state needed to resume."""

from __future__ import annotations

import dataclasses
import logging
import random
import shutil
from pathlib import Path

import numpy as np
import torch

from asdf.fileio import atomic_path, atomic_torch_save
from asdf.models import build_model
from asdf.models.checkpoint import load_model_weights, read_checkpoint
from asdf.settings import ModelSettings

logger = logging.getLogger(__name__)


def model_checkpoint(model: torch.nn.Module, model_settings: ModelSettings, **info) -> dict:
    """What an epoch checkpoint holds: weights, the settings that build the model, and `info`."""
    return {"model": model.state_dict(), "model_settings": dataclasses.asdict(model_settings), **info}


def rng_state() -> dict:
    """The random generators' states as tensors and numbers, so `weights_only` loading can read them."""
    _, numpy_keys, numpy_position, has_gauss, cached_gauss = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": [torch.from_numpy(numpy_keys.astype(np.int64)), numpy_position, has_gauss, cached_gauss],
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: dict) -> None:
    """Put back the generators' states saved by `rng_state`."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_keys, numpy_position, has_gauss, cached_gauss = state["numpy"]
    np.random.set_state(("MT19937", numpy_keys.numpy().astype(np.uint32), numpy_position, has_gauss, cached_gauss))
    torch.set_rng_state(state["torch"])


def save_checkpoint(path: Path, content: dict) -> None:
    """Write a checkpoint atomically."""
    atomic_torch_save(path, content)


def copy_checkpoint(source: Path, target: Path) -> None:
    """Copy a checkpoint file atomically (e.g. epoch_007.pt -> best.pt)."""
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def load_trained_model(path: Path, device: torch.device) -> torch.nn.Module:
    """Build the model a checkpoint of ours describes and load its weights, in eval mode on `device`."""
    content = read_checkpoint(path)
    model = build_model(ModelSettings(**content["model_settings"]))
    load_model_weights(model, path)
    return model.to(device).eval()


def read_resume_state(path: Path) -> dict | None:
    """The full training state in `path` (last.pt), or None when there is nothing to resume."""
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=True)
