"""Seeded bootstrap confidence intervals for the EER (bona fide and spoof resampled separately)."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np

from asdf.metrics.det import det_curve_from_sorted, eer_from_curve, sorted_labels
from asdf.metrics.validation import score_array

DEFAULT_BOOTSTRAP_RESAMPLES = 200  # about 1 s per 100 resamples per 100k trials


@dataclass(frozen=True)
class ConfidenceInterval:
    """A percentile bootstrap interval of a metric."""

    low: float
    high: float
    confidence: float
    n_resamples: int
    seed: int

    def as_dict(self) -> dict:
        """Plain-dict form for JSON reports."""
        return asdict(self)


def _resample_counts(rng: np.random.Generator, is_bonafide: np.ndarray) -> np.ndarray:
    """How often each trial is drawn when each class is resampled with replacement to its own size."""
    counts = np.zeros(is_bonafide.size, dtype=np.int64)
    for class_mask in (is_bonafide, ~is_bonafide):
        positions = np.flatnonzero(class_mask)
        counts[positions] = np.bincount(rng.integers(0, positions.size, positions.size), minlength=positions.size)
    return counts


def bootstrap_eer(bonafide_scores, spoof_scores, n_resamples: int = 1000,
                  confidence: float = 0.95, seed: int = 0) -> ConfidenceInterval:
    """Percentile bootstrap CI of the official EER; the same seed gives the same interval."""
    if n_resamples < 1 or not 0 < confidence < 1:
        raise ValueError(f"need n_resamples >= 1 and 0 < confidence < 1, got {n_resamples}, {confidence}")
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    # A resample keeps the sorted order of its trials, so sort once and repeat trials by their counts.
    sorted_scores, is_bonafide = sorted_labels(bonafide, spoof)
    rng = np.random.default_rng(seed)
    eers = np.empty(n_resamples)
    for resample in range(n_resamples):
        counts = _resample_counts(rng, is_bonafide)
        curve = det_curve_from_sorted(np.repeat(sorted_scores, counts), np.repeat(is_bonafide, counts))
        eers[resample] = eer_from_curve(curve).eer
    tail = (1 - confidence) / 2 * 100
    low, high = np.percentile(eers, [tail, 100 - tail])
    return ConfidenceInterval(float(low), float(high), confidence, n_resamples, seed)
