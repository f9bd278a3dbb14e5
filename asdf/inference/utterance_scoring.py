"""Run a countermeasure over an utterance list and return one score per utterance (higher = bona fide).

Three input modes (`eval.input`): 'official' scores the first `data.eval_samples` of each file (tiled when
shorter), as the official AASIST evaluation; 'full' scores whole files in length-bucketed batches, each file cut
by at most `eval.max_cut` of its length to the shortest length in its batch and never zero-padded; 'windows'
scores each file as `asdf score` does, by the mean of the logits of its windows of `data.eval_samples`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from asdf.base.settings import Settings
from asdf.compute.devices import autocast
from asdf.compute.distributed import Ranks, gather_in_order, progress_for
from asdf.data.batches import (
    BONAFIDE_CLASS,
    ScoringBatch,
    ScoringInputs,
    bucketed_batches,
    make_loader,
    official_batches,
    window_batches,
)
from asdf.inference.windows import hop_samples

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ScoringRun:
    """Scores in list order and how fast they came."""

    scores: np.ndarray
    seconds: float  # wall-clock time of the scoring
    audio_seconds: float  # audio actually fed to the model

    def throughput(self) -> str:
        """Utterances per second and seconds of audio per second, for the log."""
        seconds = max(self.seconds, 1e-9)
        return (f"{len(self.scores)} utterances, {self.audio_seconds:.1f} s of audio in {self.seconds:.1f} s: "
                f"{len(self.scores) / seconds:.1f} utterances/s, {self.audio_seconds / seconds:.1f} s of audio/s")


def scoring_batches(utterances: pd.DataFrame, settings: Settings, min_samples: int) -> list[ScoringBatch]:
    """The batches `eval.input` asks for."""
    evaluation, data = settings.eval, settings.data
    if evaluation.input == "official":
        return official_batches(len(utterances), evaluation.batch_size, data.eval_samples)
    if evaluation.input == "windows":
        hop = hop_samples(data.eval_samples, evaluation.window_overlap)
        return window_batches(utterances["num_samples"].to_numpy(), evaluation.batch_size, data.eval_samples, hop)
    max_batch_samples = int(evaluation.max_batch_seconds * data.sample_rate)
    return bucketed_batches(utterances["num_samples"].to_numpy(), evaluation.batch_size, evaluation.max_cut,
                            max_batch_samples, min_samples)


def score_batches(model: torch.nn.Module, paths: list[str], batches: list[ScoringBatch], settings: Settings,
                  device: torch.device, ranks: Ranks = Ranks(), label: str = "score") -> ScoringRun:
    """Bona fide logits of the utterances of `batches`, by index (list order); ranks score every N-th batch."""
    model.eval()
    mine = batches[ranks.rank :: ranks.world_size]
    loader = make_loader(ScoringInputs(paths, mine, settings.data.sample_rate), None,
                         settings.computing.network_dataloader_workers)
    progress = progress_for(ranks, label, len(loader), "utterances", settings.training.progress_interval_s)
    indices, scores, started = [], [], time.monotonic()
    with torch.inference_mode():
        for step, (batch_indices, inputs) in enumerate(loader, start=1):
            with autocast(device, settings.computing.precision):
                _, logits = model(inputs.to(device, non_blocking=True))
            indices.append(batch_indices.numpy())
            scores.append(logits[:, BONAFIDE_CLASS].float().cpu().numpy())
            progress.update(step, sum(len(part) for part in scores))
    expected = np.array([index for batch in batches for index in batch.indices], dtype=np.int64)
    ordered = gather_in_order(ranks, _joined(indices, np.int64), _joined(scores, np.float32), expected)
    # an utterance scored in several windows gets the mean of their logits (asdf score's default aggregation)
    windows = np.bincount(expected)
    means = (np.bincount(np.sort(expected), weights=ordered) / np.maximum(windows, 1))[windows > 0]
    audio = sum(len(batch.indices) * batch.samples for batch in batches) / settings.data.sample_rate
    return ScoringRun(means.astype(np.float32), time.monotonic() - started, audio)


def score_utterances(model: torch.nn.Module, utterances: pd.DataFrame, settings: Settings, device: torch.device,
                     ranks: Ranks = Ranks(), label: str = "score") -> ScoringRun:
    """Score an utterance list (with `num_samples`) as `eval.input` says."""
    batches = scoring_batches(utterances, settings, getattr(model, "min_samples", 1))
    return score_batches(model, utterances["path"].tolist(), batches, settings, device, ranks, label)


def _joined(parts: list[np.ndarray], dtype) -> np.ndarray:
    """The parts end to end (an empty array of `dtype` when there are none)."""
    return np.concatenate(parts) if parts else np.zeros(0, dtype=dtype)
