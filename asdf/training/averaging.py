"""An averaged model from epoch checkpoints: SWA over the last N epochs, or the average of the N best by dev EER.

Batch-norm statistics are averaged like the weights (no extra pass over the training data).
"""

from __future__ import annotations

import logging

import torch

from asdf.base.paths import OutputLayout
from asdf.models.model_files import read_checkpoint
from asdf.training.checkpointing import save_checkpoint

logger = logging.getLogger(__name__)

AVERAGED_NAMES = {"swa": "swa", "best": "avg"}  # training.average -> checkpoint name


def chosen_epochs(history: list[dict], average: str, count: int) -> list[int]:
    """The epochs to average: the last `count`, or the `count` with the lowest dev EER (earlier on ties)."""
    if average == "swa":
        return [record["epoch"] for record in history[-count:]]
    ranked = sorted(history, key=lambda record: (record["dev_eer"], record["epoch"]))
    return sorted(record["epoch"] for record in ranked[:count])


def average_states(states: list[dict]) -> dict:
    """The element-wise mean of floating-point tensors; other tensors (counters) from the last state."""
    averaged = {}
    for key, last in states[-1].items():
        if torch.is_floating_point(last):
            averaged[key] = torch.stack([state[key].double() for state in states]).mean(0).to(last.dtype)
        else:
            averaged[key] = last.clone()
    return averaged


def write_averaged_model(layout: OutputLayout, history: list[dict], average: str, count: int) -> str:
    """Write checkpoints/swa.pt or avg.pt from the chosen epoch checkpoints; return its name."""
    epochs = chosen_epochs(history, average, count)
    contents = [read_checkpoint(layout.checkpoint(f"epoch_{epoch:03d}")) for epoch in epochs]
    name = AVERAGED_NAMES[average]
    save_checkpoint(layout.checkpoint(name), {
        "model": average_states([content["model"] for content in contents]),
        "model_settings": contents[-1]["model_settings"], "averaged_epochs": epochs,
    })
    logger.info("train: %s.pt averages epochs %s", name, epochs)
    return name
