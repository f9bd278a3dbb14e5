"""DET curve and EER with the official ASVspoof semantics (no interpolation, tied scores not merged).

Every official package (ASVspoof 2019 tDCF_python_v2, clovaai/aasist, 2021 eval-package, ASVspoof 5)
sorts bona fide scores followed by spoof scores with a stable sort, so among tied scores the bona fide
trials come first; each sorted score is one operating point. Higher score = more bona fide.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np

from asdf.metrics.validation import score_array

# The official curves start one point below the lowest score (accept everything).
FIRST_THRESHOLD_OFFSET = 0.001


@dataclass(frozen=True)
class DetCurve:
    """Miss (bona fide rejected) and false-alarm (spoof accepted) rates at each threshold, rising threshold."""

    miss_rates: np.ndarray
    false_alarm_rates: np.ndarray
    thresholds: np.ndarray


class EerResult(NamedTuple):
    """Equal error rate (fraction) and its threshold; unpacks as `eer, threshold = compute_eer(...)`."""

    eer: float
    threshold: float


def sorted_labels(bonafide_scores: np.ndarray, spoof_scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Scores sorted ascending (stable, bona fide first among ties) and the matching is-bona-fide mask."""
    all_scores = np.concatenate((bonafide_scores, spoof_scores))
    order = np.argsort(all_scores, kind="stable")
    return all_scores[order], order < bonafide_scores.size


def det_curve_from_sorted(sorted_scores: np.ndarray, is_bonafide: np.ndarray) -> DetCurve:
    """DET curve from scores already in the official order (see `sorted_labels`)."""
    bonafide_rejected = np.cumsum(is_bonafide, dtype=np.int64)
    n_bonafide = int(bonafide_rejected[-1])
    n_spoof = is_bonafide.size - n_bonafide
    spoof_accepted = n_spoof - (np.arange(1, is_bonafide.size + 1) - bonafide_rejected)
    return DetCurve(
        miss_rates=np.concatenate(([0.0], bonafide_rejected / n_bonafide)),
        false_alarm_rates=np.concatenate(([1.0], spoof_accepted / n_spoof)),
        thresholds=np.concatenate(([sorted_scores[0] - FIRST_THRESHOLD_OFFSET], sorted_scores)),
    )


def det_curve(bonafide_scores, spoof_scores) -> DetCurve:
    """The DET curve of a countermeasure: one operating point per sorted score, plus 'accept all'."""
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    return det_curve_from_sorted(*sorted_labels(bonafide, spoof))


def eer_index(curve: DetCurve) -> int:
    """Index of the EER point: the first where |miss - false alarm| is smallest."""
    return int(np.argmin(np.abs(curve.miss_rates - curve.false_alarm_rates)))


def eer_from_curve(curve: DetCurve) -> EerResult:
    """EER at the EER point: the mean of the miss and false-alarm rates there (no interpolation)."""
    index = eer_index(curve)
    eer = (curve.miss_rates[index] + curve.false_alarm_rates[index]) / 2
    return EerResult(eer=float(eer), threshold=float(curve.thresholds[index]))


def compute_eer(bonafide_scores, spoof_scores) -> EerResult:
    """Equal error rate (fraction) and threshold, exactly as the official ASVspoof tools compute them."""
    return eer_from_curve(det_curve(bonafide_scores, spoof_scores))


def rates_at_threshold(bonafide_scores, spoof_scores, threshold: float) -> tuple[float, float]:
    """(miss, false alarm) at a fixed threshold, as a DET curve point: bona fide rejected when score <= threshold."""
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    return float(np.mean(bonafide <= threshold)), float(np.mean(spoof > threshold))
