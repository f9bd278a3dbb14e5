"""Log-likelihood-ratio cost: Cllr (ASVspoof 5 definition) and min Cllr by pool-adjacent-violators (PAV)."""

from __future__ import annotations

import logging

import numpy as np
from scipy.optimize import isotonic_regression

from asdf.metrics.validation import score_array

logger = logging.getLogger(__name__)


def _negative_log_sigmoid(log_odds: np.ndarray) -> np.ndarray:
    """-log(sigmoid(x)) written as the ASVspoof 5 package writes it, so overflow gives inf as there."""
    with np.errstate(over="ignore"):
        return np.log1p(np.exp(-log_odds))


def cllr_of_llrs(bonafide_llrs: np.ndarray, spoof_llrs: np.ndarray) -> float:
    """Cllr in bits of LLRs that may be infinite (no input checks; see `cllr`)."""
    bonafide_cost = np.mean(_negative_log_sigmoid(bonafide_llrs))
    spoof_cost = np.mean(_negative_log_sigmoid(-spoof_llrs))
    return float(0.5 * (bonafide_cost + spoof_cost) / np.log(2))


def cllr(bonafide_scores, spoof_scores) -> float:
    """Cllr in bits of LLR scores (ASVspoof 5); inf where the official code overflows (|LLR| > ~709)."""
    value = cllr_of_llrs(score_array(bonafide_scores, "bona fide"), score_array(spoof_scores, "spoof"))
    if np.isinf(value):
        logger.warning("Cllr is infinite: a score beyond about +-709 overflows exp(), as in the official code")
    return value


def pav_llrs(bonafide_scores, spoof_scores, monotonicity_epsilon: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Optimal (PAV) LLRs of bona fide and spoof trials; ties sorted bona fide first, as BOSARIS does."""
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    order = np.argsort(np.concatenate((bonafide, spoof)), kind="stable")
    is_bonafide = order < bonafide.size
    posterior = isotonic_regression(is_bonafide.astype(np.float64)).x
    with np.errstate(divide="ignore"):
        log_posterior_odds = np.log(posterior) - np.log1p(-posterior)
    llrs = log_posterior_odds - np.log(bonafide.size / spoof.size)
    if monotonicity_epsilon:
        # BOSARIS adds a tiny ramp so that the optimal LLRs are strictly increasing.
        llrs = llrs + np.arange(1, llrs.size + 1) * monotonicity_epsilon / llrs.size
    return llrs[is_bonafide], llrs[~is_bonafide]


def min_cllr(bonafide_scores, spoof_scores, monotonicity_epsilon: float = 0.0) -> float:
    """Minimum Cllr in bits: the Cllr of the PAV-optimal monotone recalibration of the scores."""
    return cllr_of_llrs(*pav_llrs(bonafide_scores, spoof_scores, monotonicity_epsilon))
