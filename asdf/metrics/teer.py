"""Concurrent tandem EER (t-EER) of a CM and an ASV system, ASVspoof 5 definition, in O(M log N).

The official `compute_teer` scans, for each of the M+1 ASV thresholds, all N+1 CM thresholds for the
one where tandem miss and false-alarm rates are closest. Their difference is non-decreasing along the
CM curve, so a vectorised binary search finds the same index (the first minimiser, as `np.argmin`).
"""

from __future__ import annotations

import numpy as np

from asdf.metrics.det import det_curve
from asdf.metrics.validation import score_array

# Any spoofing prevalence gives the same concurrent t-EER; the official code uses 0.5.
SPOOF_PREVALENCE = 0.5


def asv_tandem_curves(target, nontarget, spoof) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ASV miss, nontarget false-alarm and spoof false-alarm rates at every sorted ASV score."""
    all_scores = np.concatenate((target, nontarget, spoof))
    order = np.argsort(all_scores, kind="stable")
    labels = np.repeat(np.array([0, 1, 2], dtype=np.int8), [target.size, nontarget.size, spoof.size])[order]
    miss = np.concatenate(([0.0], np.cumsum(labels == 0) / target.size))
    nontarget_fa = np.concatenate(([1.0], 1 - np.cumsum(labels == 1) / nontarget.size))
    spoof_fa = np.concatenate(([1.0], 1 - np.cumsum(labels == 2) / spoof.size))
    return miss, nontarget_fa, spoof_fa


class _TandemGap:
    """Tandem miss minus tandem false alarm, h[i, j], for ASV point i and CM point j (non-decreasing in j)."""

    def __init__(self, cm_miss, cm_fa, asv_miss, asv_nontarget_fa, asv_spoof_fa):
        self.cm_miss, self.cm_fa = cm_miss, cm_fa
        self.asv_miss, self.asv_nontarget_fa, self.asv_spoof_fa = asv_miss, asv_nontarget_fa, asv_spoof_fa

    def __call__(self, cm_index: np.ndarray) -> np.ndarray:
        """h at one CM index per ASV point, in the official operation order (same rounding)."""
        cm_miss, cm_fa = self.cm_miss[cm_index], self.cm_fa[cm_index]
        tandem_miss = cm_miss + (1 - cm_miss) * self.asv_miss
        tandem_fa = ((1 - SPOOF_PREVALENCE) * (1 - cm_miss) * self.asv_nontarget_fa
                     + SPOOF_PREVALENCE * cm_fa * self.asv_spoof_fa)
        return tandem_miss - tandem_fa

    def first_at_least(self, values: np.ndarray, n_cm: int) -> np.ndarray:
        """For each ASV point, the first CM index j with h[j] >= value (n_cm if none): a vectorised bisection."""
        low = np.zeros(values.size, dtype=np.int64)
        high = np.full(values.size, n_cm, dtype=np.int64)
        while np.any(low < high):
            middle = (low + high) // 2
            searching = low < high
            below = self(np.minimum(middle, n_cm - 1)) < values
            low = np.where(searching & below, middle + 1, low)
            high = np.where(searching & ~below, middle, high)
        return low


def _closest_cm_index(gap: _TandemGap, n_cm: int, n_asv: int) -> np.ndarray:
    """np.argmin(|h[i, :]|) for every ASV point i: the first CM index where |h| is smallest."""
    crossing = gap.first_at_least(np.zeros(n_asv), n_cm)
    before = np.maximum(crossing - 1, 0)
    after = np.minimum(crossing, n_cm - 1)
    gap_before, gap_after = np.abs(gap(before)), np.abs(gap(after))
    use_before = (crossing > 0) & ((crossing == n_cm) | (gap_before <= gap_after))
    # A run of equal h values before the crossing: np.argmin takes its first element.
    plateau_start = gap.first_at_least(gap(before), n_cm)
    return np.where(use_before, plateau_start, after)


def t_eer(cm_bonafide_scores, cm_spoof_scores, asv_target_scores, asv_nontarget_scores, asv_spoof_scores) -> float:
    """Concurrent t-EER (fraction; ASVspoof 5 reports it in percent) at the official crossing point."""
    cm = det_curve(cm_bonafide_scores, cm_spoof_scores)
    asv_miss, asv_nontarget_fa, asv_spoof_fa = asv_tandem_curves(
        score_array(asv_target_scores, "ASV target"),
        score_array(asv_nontarget_scores, "ASV nontarget"),
        score_array(asv_spoof_scores, "ASV spoof"),
    )
    gap = _TandemGap(cm.miss_rates, cm.false_alarm_rates, asv_miss, asv_nontarget_fa, asv_spoof_fa)
    cm_index = _closest_cm_index(gap, cm.miss_rates.size, asv_miss.size)
    allowed = asv_miss < (1 - SPOOF_PREVALENCE) * asv_nontarget_fa + SPOOF_PREVALENCE * asv_spoof_fa
    with np.errstate(divide="ignore", invalid="ignore"):
        asv_ratio = asv_nontarget_fa / asv_spoof_fa
        cm_ratio = cm.false_alarm_rates[cm_index] / (1 - cm.miss_rates[cm_index])
        criterion = np.abs(asv_ratio - cm_ratio)
    criterion[~allowed | ~np.isfinite(criterion)] = np.inf
    if not np.isfinite(criterion).any():
        raise ValueError("t-EER is undefined: no ASV operating point lets the tandem error rates cross")
    best = int(np.argmin(criterion))
    return float(asv_spoof_fa[best] * cm.false_alarm_rates[cm_index[best]])
