"""Model files: safe reading of weights (official AASIST files, our own checkpoints, DDP-prefixed state dicts)
and our self-describing checkpoints, which hold the settings that build the model beside its weights."""

from __future__ import annotations

import dataclasses
import logging
import re
import warnings
from pathlib import Path

import torch
from torch import nn

from asdf.base.errors import DataError
from asdf.base.settings import ModelSettings
from asdf.models import build_model

logger = logging.getLogger(__name__)

DDP_PREFIX = "module."
UNSUPPORTED_GLOBAL = re.compile(r"Unsupported global: GLOBAL (\S+)")  # torch.load's refusal of a pickled object


class CheckpointError(DataError):
    """A checkpoint file cannot be read safely or does not fit the model."""


def read_checkpoint(path) -> dict:
    """The checkpoint at `path` as a dict whose "model" is the state dict (a bare state dict is wrapped)."""
    path = Path(path)
    if path.is_dir():
        raise CheckpointError(f"{path} is a folder, not a checkpoint file")
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist")
    try:
        with warnings.catch_warnings():  # torch warns about pickle protocols of files it then refuses anyway
            warnings.simplefilter("ignore")
            # weights_only: a checkpoint holds tensors and plain values, never code to run
            content = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as error:  # noqa: BLE001 - whatever torch.load raises, the user gets one line naming the file
        raise _unreadable(path, error) from None
    if isinstance(content, dict) and isinstance(content.get("model"), dict):
        return content
    if isinstance(content, dict) and content and all(isinstance(v, torch.Tensor) for v in content.values()):
        return {"model": content}
    raise CheckpointError(f"checkpoint {path} holds neither a state dict nor a dict with a 'model' state dict")


def _unreadable(path: Path, error: Exception) -> CheckpointError:
    """Why torch.load failed, in our words: torch's own hint for a refused object says how to switch the
    protection off, which is the one thing a user must not do with a file of unknown origin."""
    if isinstance(error, PermissionError):
        return CheckpointError(f"cannot read checkpoint {path}: permission denied")
    refused = UNSUPPORTED_GLOBAL.search(str(error))
    if refused:
        return CheckpointError(
            f"refusing checkpoint {path}: it holds Python objects besides tensors and plain values "
            f"(here {refused.group(1)}), which could run code when loaded; re-save just the state dict "
            "(torch.save(model.state_dict(), path)) and load that")
    return CheckpointError(f"{path} is not a PyTorch checkpoint (expected a .pt/.pth file saved by torch.save: "
                           "a state dict, or a dict whose 'model' is one), or it is damaged or cut short")


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


def model_checkpoint(model: nn.Module, model_settings: ModelSettings, **info) -> dict:
    """What an epoch checkpoint holds: weights, the settings that build the model, and `info`."""
    return {"model": model.state_dict(), "model_settings": dataclasses.asdict(model_settings), **info}


def load_trained_model(path: Path, device: torch.device) -> nn.Module:
    """Build the model a checkpoint of ours describes and load its weights, in eval mode on `device`."""
    content = read_checkpoint(path)
    model = build_model(ModelSettings(**content["model_settings"]))
    load_model_weights(model, path)
    return model.to(device).eval()
