"""Run a countermeasure over a dataset of inputs and return one score per utterance (higher = bona fide)."""

from __future__ import annotations

import logging

import numpy as np
import torch
from torch.utils.data import Dataset

from asdf.batches import BONAFIDE_CLASS, make_loader
from asdf.devices import autocast
from asdf.progress import Progress

logger = logging.getLogger(__name__)


def score_dataset(
    model: torch.nn.Module,
    dataset: Dataset,
    batch_size: int,
    workers: int,
    device: torch.device,
    precision: str = "fp32",
    label: str = "score",
    interval_s: float = 30.0,
) -> np.ndarray:
    """Bona fide logits of every item of `dataset`, in order, computed without autograd."""
    model.eval()
    loader = make_loader(dataset, batch_size, workers)
    progress = Progress(label, len(loader), unit="utterances", interval_s=interval_s)
    scores = []
    with torch.inference_mode():
        for step, inputs in enumerate(loader, start=1):
            with autocast(device, precision):
                _, logits = model(inputs.to(device, non_blocking=True))
            scores.append(logits[:, BONAFIDE_CLASS].float().cpu().numpy())
            progress.update(step, sum(len(batch) for batch in scores))
    return np.concatenate(scores) if scores else np.zeros(0, dtype=np.float32)
