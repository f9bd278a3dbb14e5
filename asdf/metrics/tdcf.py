"""Tandem detection cost function: ASVspoof 2019 legacy model and the revised 2021 model (C0, C1, C2).

Both fix an ASV system through its error rates at the ASV EER threshold and sweep the CM threshold over
the official DET curve; the minimum over that sweep is the min t-DCF.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass

import numpy as np

from asdf.metrics.det import compute_eer, det_curve
from asdf.metrics.validation import score_array

logger = logging.getLogger(__name__)

SPOOF_PRIOR = 0.05
# Priors and costs of the ASVspoof 2019 evaluation plan (legacy) and 2021 config.py (revised).
LEGACY_COST_MODEL = {
    "Pspoof": SPOOF_PRIOR, "Ptar": 0.9405, "Pnon": 0.0095,
    "Cmiss_asv": 1, "Cfa_asv": 10, "Cmiss_cm": 1, "Cfa_cm": 10,
}
REVISED_COST_MODEL = {
    "Pspoof": SPOOF_PRIOR, "Ptar": (1 - SPOOF_PRIOR) * 0.99, "Pnon": (1 - SPOOF_PRIOR) * 0.01,
    "Cmiss": 1, "Cfa": 10, "Cfa_spoof": 10,
}


@dataclass(frozen=True)
class AsvErrorRates:
    """ASV error rates at a fixed ASV threshold (fractions)."""

    false_alarm: float  # nontarget accepted
    miss: float  # target rejected
    spoof_miss: float  # spoof rejected
    spoof_false_alarm: float  # spoof accepted
    threshold: float = float("nan")
    eer: float = float("nan")

    def as_dict(self) -> dict:
        """Plain-dict form for JSON reports."""
        return asdict(self)


@dataclass(frozen=True)
class TdcfResult:
    """Minimum normalised t-DCF, the CM threshold reaching it and its index on the DET curve."""

    min_tdcf: float
    threshold: float
    index: int


# ASVspoof 5 organisers' ASV error rates, pooled over all conditions (calculate_metrics.py).
ASVSPOOF5_DEFAULT_ASV_RATES = AsvErrorRates(
    false_alarm=0.01881016557566423, miss=0.01880141010575793,
    spoof_miss=1 - 0.4607082907604729, spoof_false_alarm=0.4607082907604729,
)


def asv_error_rates(target_scores, nontarget_scores, spoof_scores) -> AsvErrorRates:
    """ASV error rates at the ASV's own EER threshold, as the official t-DCF tools fix the ASV."""
    target = score_array(target_scores, "ASV target")
    nontarget = score_array(nontarget_scores, "ASV nontarget")
    spoof = score_array(spoof_scores, "ASV spoof")
    asv_eer = compute_eer(target, nontarget)
    threshold = asv_eer.threshold
    return AsvErrorRates(
        false_alarm=np.count_nonzero(nontarget >= threshold) / nontarget.size,
        miss=np.count_nonzero(target < threshold) / target.size,
        spoof_miss=np.count_nonzero(spoof < threshold) / spoof.size,
        spoof_false_alarm=np.count_nonzero(spoof >= threshold) / spoof.size,
        threshold=threshold,
        eer=asv_eer.eer,
    )


def _require_soft_scores(bonafide: np.ndarray, spoof: np.ndarray) -> None:
    """Refuse hard decisions: the official t-DCF tools need at least three distinct CM scores."""
    if np.unique(np.concatenate((bonafide, spoof))).size < 3:
        raise ValueError("t-DCF needs soft CM scores, not binary decisions (fewer than 3 distinct scores)")


def _minimum(normalised_curve: np.ndarray, thresholds: np.ndarray) -> TdcfResult:
    """The first minimum of a t-DCF curve (NaN if the official normalisation divides 0 by 0)."""
    index = int(np.argmin(normalised_curve))
    return TdcfResult(min_tdcf=float(np.min(normalised_curve)), threshold=float(thresholds[index]), index=index)


def legacy_coefficients(asv: AsvErrorRates, cost_model: dict = LEGACY_COST_MODEL) -> tuple[float, float]:
    """C1 (weight of CM misses) and C2 (weight of CM false alarms) of the 2019 legacy t-DCF."""
    c1 = cost_model["Ptar"] * (cost_model["Cmiss_cm"] - cost_model["Cmiss_asv"] * asv.miss) - (
        cost_model["Pnon"] * cost_model["Cfa_asv"] * asv.false_alarm
    )
    c2 = cost_model["Cfa_cm"] * cost_model["Pspoof"] * (1 - asv.spoof_miss)
    return c1, c2


def min_tdcf_legacy(bonafide_scores, spoof_scores, asv: AsvErrorRates,
                    cost_model: dict = LEGACY_COST_MODEL) -> TdcfResult:
    """Minimum normalised t-DCF of the ASVspoof 2019 legacy cost model (official tDCF_python_v2)."""
    bonafide, spoof = score_array(bonafide_scores, "bona fide"), score_array(spoof_scores, "spoof")
    _require_soft_scores(bonafide, spoof)
    c1, c2 = legacy_coefficients(asv, cost_model)
    if c1 < 0 or c2 < 0:
        raise ValueError(f"negative t-DCF weights C1={c1}, C2={c2}: check the ASV error rates")
    curve = det_curve(bonafide, spoof)
    if min(c1, c2) == 0:
        # The official tool divides by min(C1, C2) regardless; report its NaN/inf but say why.
        logger.warning("legacy t-DCF is undefined: min(C1, C2) = 0 (C1=%g, C2=%g)", c1, c2)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = (c1 * curve.miss_rates + c2 * curve.false_alarm_rates) / np.minimum(c1, c2)
    return _minimum(normalised, curve.thresholds)


def revised_coefficients(asv: AsvErrorRates, cost_model: dict = REVISED_COST_MODEL) -> tuple[float, float, float]:
    """C0, C1, C2 of the revised (ASVspoof 2021) t-DCF."""
    target_cost = cost_model["Ptar"] * cost_model["Cmiss"]
    asv_cost = target_cost * asv.miss + cost_model["Pnon"] * cost_model["Cfa"] * asv.false_alarm
    c2 = cost_model["Pspoof"] * cost_model["Cfa_spoof"] * asv.spoof_false_alarm
    return asv_cost, target_cost - asv_cost, c2


def min_tdcf_revised(bonafide_scores, spoof_scores, asv: AsvErrorRates,
                     cost_model: dict = REVISED_COST_MODEL) -> TdcfResult:
    """Minimum normalised revised t-DCF (ASVspoof 2021 eval-package; ASVspoof 5 with its default ASV rates)."""
    bonafide, spoof = score_array(bonafide_scores, "bona fide"), score_array(spoof_scores, "spoof")
    _require_soft_scores(bonafide, spoof)
    c0, c1, c2 = revised_coefficients(asv, cost_model)
    if min(c0, c1, c2) < 0:
        raise ValueError(f"negative t-DCF weights C0={c0}, C1={c1}, C2={c2}: check the ASV error rates")
    curve = det_curve(bonafide, spoof)
    with np.errstate(divide="ignore", invalid="ignore"):
        normalised = (c0 + c1 * curve.miss_rates + c2 * curve.false_alarm_rates) / (c0 + np.minimum(c1, c2))
    return _minimum(normalised, curve.thresholds)
