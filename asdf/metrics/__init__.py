"""Countermeasure metrics that reproduce the official ASVspoof tools (scores: higher = bona fide): EER,
DCF, t-DCF, Cllr, calibration, bootstrap intervals, breakdowns. May import: `asdf.base`."""

from asdf.metrics.bootstrap import ConfidenceInterval, bootstrap_eer
from asdf.metrics.breakdown import breakdown
from asdf.metrics.calibration import ASVSPOOF5_EFFECTIVE_PRIOR, LinearCalibration, fit_calibration
from asdf.metrics.cllr import cllr, min_cllr, pav_llrs
from asdf.metrics.dcf import (
    ASVSPOOF5_ADCF_COST_MODEL,
    PAPER_ADCF_COST_MODEL,
    ADcfCostModel,
    DcfResult,
    a_dcf,
    act_dcf,
    bayes_threshold,
    min_dcf,
)
from asdf.metrics.det import DetCurve, EerResult, compute_eer, det_curve, rates_at_threshold
from asdf.metrics.tdcf import (
    ASVSPOOF5_DEFAULT_ASV_RATES,
    LEGACY_COST_MODEL,
    REVISED_COST_MODEL,
    AsvErrorRates,
    TdcfResult,
    asv_error_rates,
    legacy_coefficients,
    min_tdcf_legacy,
    min_tdcf_revised,
    revised_coefficients,
)
from asdf.metrics.teer import t_eer

__all__ = [
    "ASVSPOOF5_ADCF_COST_MODEL", "ASVSPOOF5_DEFAULT_ASV_RATES", "ASVSPOOF5_EFFECTIVE_PRIOR", "LEGACY_COST_MODEL", "PAPER_ADCF_COST_MODEL",
    "REVISED_COST_MODEL", "ADcfCostModel", "AsvErrorRates", "ConfidenceInterval", "LinearCalibration", "DcfResult", "DetCurve", "EerResult", "TdcfResult",
    "a_dcf", "act_dcf", "asv_error_rates", "bayes_threshold", "bootstrap_eer", "breakdown", "fit_calibration", "cllr", "compute_eer", "det_curve",
    "legacy_coefficients", "min_cllr", "rates_at_threshold", "min_dcf", "min_tdcf_legacy", "min_tdcf_revised", "pav_llrs",
    "revised_coefficients", "t_eer",
]
