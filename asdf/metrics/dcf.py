"""ASVspoof 5 detection costs: minDCF and actDCF of a CM (track 1) and the a-DCF of a SASV system (track 2)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asdf.metrics.det import det_curve
from asdf.metrics.validation import score_array

# ASVspoof 5 track 1 cost model.
DCF_SPOOF_PRIOR = 0.05
DCF_COST_MISS = 1.0
DCF_COST_FALSE_ALARM = 10.0
# a-DCF's first threshold sits just below the lowest score (a_dcf.py), unlike the DET curve's 0.001.
A_DCF_FIRST_THRESHOLD_OFFSET = 1e-8


@dataclass(frozen=True)
class DcfResult:
    """A normalised detection cost and the threshold it was taken at."""

    dcf: float
    threshold: float


@dataclass(frozen=True)
class ADcfCostModel:
    """Priors and costs of the architecture-agnostic DCF (a-DCF)."""

    target_prior: float
    nontarget_prior: float
    spoof_prior: float
    cost_miss: float = 1.0
    cost_false_alarm_asv: float = 10.0
    cost_false_alarm_cm: float = 10.0


# ASVspoof 5 track 2 (calculate_metrics.py) and the a-DCF paper's default (a_dcf.py CostModel()).
ASVSPOOF5_ADCF_COST_MODEL = ADcfCostModel(
    target_prior=(1 - DCF_SPOOF_PRIOR) * 0.99, nontarget_prior=(1 - DCF_SPOOF_PRIOR) * 0.01, spoof_prior=DCF_SPOOF_PRIOR
)
PAPER_ADCF_COST_MODEL = ADcfCostModel(
    target_prior=0.9, nontarget_prior=0.05, spoof_prior=0.05, cost_false_alarm_cm=20.0
)


def min_dcf(bonafide_scores, spoof_scores, spoof_prior: float = DCF_SPOOF_PRIOR,
            cost_miss: float = DCF_COST_MISS, cost_false_alarm: float = DCF_COST_FALSE_ALARM) -> DcfResult:
    """Minimum normalised DCF over the official DET curve (ASVspoof 5 track 1 primary metric)."""
    curve = det_curve(bonafide_scores, spoof_scores)
    bonafide_prior = 1 - spoof_prior
    costs = cost_miss * curve.miss_rates * bonafide_prior + cost_false_alarm * curve.false_alarm_rates * (
        1 - bonafide_prior
    )
    index = int(np.argmin(costs))
    default_cost = min(cost_miss * bonafide_prior, cost_false_alarm * (1 - bonafide_prior))
    return DcfResult(dcf=float(costs[index] / default_cost), threshold=float(curve.thresholds[index]))


def bayes_threshold(spoof_prior: float = DCF_SPOOF_PRIOR, cost_miss: float = DCF_COST_MISS,
                    cost_false_alarm: float = DCF_COST_FALSE_ALARM) -> float:
    """The Bayes decision threshold for LLR scores: -ln(Cmiss (1 - Pspoof) / (Cfa Pspoof)), -ln 1.9 by default."""
    return float(-np.log(cost_miss * (1 - spoof_prior) / (cost_false_alarm * spoof_prior)))


def act_dcf(bonafide_scores, spoof_scores, spoof_prior: float = DCF_SPOOF_PRIOR,
            cost_miss: float = DCF_COST_MISS, cost_false_alarm: float = DCF_COST_FALSE_ALARM) -> DcfResult:
    """Actual normalised DCF of LLR scores at the Bayes threshold (ASVspoof 5 track 1)."""
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    threshold = bayes_threshold(spoof_prior, cost_miss, cost_false_alarm)
    miss_rate = np.count_nonzero(bonafide < threshold) / bonafide.size
    false_alarm_rate = np.count_nonzero(spoof >= threshold) / spoof.size
    cost = cost_miss * (1 - spoof_prior) * miss_rate + cost_false_alarm * spoof_prior * false_alarm_rate
    default_cost = min(cost_false_alarm * spoof_prior, cost_miss * (1 - spoof_prior))
    return DcfResult(dcf=float(cost / default_cost), threshold=threshold)


def _a_det_curve(target, nontarget, spoof) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Miss, nontarget and spoof false-alarm rates at every sorted SASV score (stable, target first in ties)."""
    all_scores = np.concatenate((target, nontarget, spoof))
    order = np.argsort(all_scores, kind="stable")
    labels = np.repeat(np.array([0, 1, 2], dtype=np.int8), [target.size, nontarget.size, spoof.size])[order]
    misses = np.cumsum(labels == 0)
    nontarget_accepted = nontarget.size - np.cumsum(labels == 1)
    spoof_accepted = spoof.size - np.cumsum(labels == 2)
    thresholds = np.concatenate(([all_scores[order[0]] - A_DCF_FIRST_THRESHOLD_OFFSET], all_scores[order]))
    return (
        np.concatenate(([0.0], misses / target.size)),
        np.concatenate(([1.0], nontarget_accepted / nontarget.size)),
        np.concatenate(([1.0], spoof_accepted / spoof.size)),
        thresholds,
    )


def a_dcf(target_scores, nontarget_scores, spoof_scores,
          cost_model: ADcfCostModel = ASVSPOOF5_ADCF_COST_MODEL) -> DcfResult:
    """Minimum normalised a-DCF of SASV scores (ASVspoof 5 track 2 primary metric)."""
    target = score_array(target_scores, "SASV target")
    nontarget = score_array(nontarget_scores, "SASV nontarget")
    spoof = score_array(spoof_scores, "SASV spoof")
    miss, nontarget_fa, spoof_fa, thresholds = _a_det_curve(target, nontarget, spoof)
    costs = (
        cost_model.cost_miss * cost_model.target_prior * miss
        + cost_model.cost_false_alarm_asv * cost_model.nontarget_prior * nontarget_fa
        + cost_model.cost_false_alarm_cm * cost_model.spoof_prior * spoof_fa
    )
    accept_all = (cost_model.cost_false_alarm_asv * cost_model.nontarget_prior
                  + cost_model.cost_false_alarm_cm * cost_model.spoof_prior)
    reject_all = cost_model.cost_miss * cost_model.target_prior
    normalised = costs / min(accept_all, reject_all)
    index = int(np.argmin(normalised))
    return DcfResult(dcf=float(normalised[index]), threshold=float(thresholds[index]))
