"""Safe checkpoint reading: official AASIST files, our own checkpoints and DDP-prefixed state dicts."""

from __future__ import annotations

import logging
import pickle
from pathlib import Path

import torch
from torch import nn

from asdf.errors import DataError

logger = logging.getLogger(__name__)

DDP_PREFIX = "module."


class CheckpointError(DataError):
    """A checkpoint file cannot be read safely or does not fit the model."""


def read_checkpoint(path) -> dict:
    """The checkpoint at `path` as a dict whose "model" is the state dict (a bare state dict is wrapped)."""
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        # weights_only: a checkpoint holds tensors and plain values, never code to run
        content = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"refusing checkpoint {path}: it contains objects other than tensors and plain values ({error})"
        ) from error
    if isinstance(content, dict) and isinstance(content.get("model"), dict):
        return content
    if isinstance(content, dict) and content and all(isinstance(v, torch.Tensor) for v in content.values()):
        return {"model": content}
    raise CheckpointError(f"checkpoint {path} holds neither a state dict nor a dict with a 'model' state dict")


def _without_ddp_prefix(state: dict) -> dict:
    if state and all(key.startswith(DDP_PREFIX) for key in state):
        return {key[len(DDP_PREFIX):]: value for key, value in state.items()}
    return state


def _mismatches(model: nn.Module, state: dict) -> list:
    """Human-readable differences between the model's state dict and `state`."""
    expected = model.state_dict()
    problems = []
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing:
        problems.append(f"missing keys {missing}")
    if unexpected:
        problems.append(f"unexpected keys {unexpected}")
    for key in sorted(set(expected) & set(state)):
        if expected[key].shape != state[key].shape:
            problems.append(f"{key}: shape {tuple(state[key].shape)} in the file, {tuple(expected[key].shape)} in the model")
    return problems


def load_model_weights(model: nn.Module, path) -> dict:
    """Load the weights at `path` into `model` strictly; returns the whole checkpoint dict."""
    checkpoint = read_checkpoint(path)
    state = _without_ddp_prefix(checkpoint["model"])
    problems = _mismatches(model, state)
    if problems:
        raise CheckpointError(f"checkpoint {path} does not fit {type(model).__name__}: " + "; ".join(problems))
    model.load_state_dict(state, strict=True)
    logger.info("loaded %s weights from %s", type(model).__name__, path)
    return checkpoint
