"""Metrics per attack or per condition (any trial-table column, e.g. codec)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from asdf.metrics.dcf import min_dcf
from asdf.metrics.det import compute_eer

BONAFIDE, SPOOF = "bonafide", "spoof"


def _group_metrics(bonafide_scores: np.ndarray, spoof_scores: np.ndarray) -> dict:
    """Counts, EER (fraction), its threshold and minDCF of one group."""
    eer = compute_eer(bonafide_scores, spoof_scores)
    return {
        "n_bonafide": int(bonafide_scores.size),
        "n_spoof": int(spoof_scores.size),
        "eer": eer.eer,
        "eer_threshold": eer.threshold,
        "min_dcf": min_dcf(bonafide_scores, spoof_scores).dcf,
    }


def breakdown(trials: pd.DataFrame, column: str) -> dict[str, dict]:
    """Metrics per value of `column` in a trial table with `key` and `score` columns.

    Where bona fide trials carry one value only (attack: '-'), each spoof group is scored against all
    bona fide trials; otherwise (codec, channel) each group's spoof trials against its own bona fide.
    """
    if column not in trials.columns:
        raise ValueError(f"cannot break down by {column!r}: the trials have columns {list(trials.columns)}")
    is_bonafide = (trials["key"] == BONAFIDE).to_numpy()
    scores = trials["score"].to_numpy(dtype=np.float64)
    values = trials[column].astype(str).to_numpy()
    bonafide_is_shared = np.unique(values[is_bonafide]).size <= 1
    results = {}
    for value in sorted(np.unique(values[~is_bonafide])):
        in_group = values == value
        bonafide_mask = is_bonafide if bonafide_is_shared else is_bonafide & in_group
        spoof_mask = ~is_bonafide & in_group
        if not bonafide_mask.any():
            continue
        results[str(value)] = _group_metrics(scores[bonafide_mask], scores[spoof_mask])
    return results
