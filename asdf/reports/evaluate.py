"""Every countermeasure metric of one trial table, as a JSON-able dict."""

from __future__ import annotations

import logging
import math

import numpy as np
import pandas as pd

from asdf import metrics
from asdf.metrics.bootstrap import DEFAULT_BOOTSTRAP_RESAMPLES
from asdf.metrics.calibration import LinearCalibration

logger = logging.getLogger(__name__)

SCORE_CONVENTION = "higher score = more bona fide; EER and rates are fractions (0..1)"


def json_number(value: float) -> float | str:
    """A float for JSON: finite values as they are, NaN/inf as the strings 'nan', 'inf', '-inf'."""
    value = float(value)
    return value if math.isfinite(value) else str(value)


def class_scores(trials: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Bona fide and spoof score arrays of a trial table with `key` and `score` columns."""
    keys = trials["key"].to_numpy()
    unknown = set(np.unique(keys)) - {"bonafide", "spoof"}
    if unknown:
        raise ValueError(f"unknown keys {sorted(unknown)}: expected 'bonafide' or 'spoof'")
    scores = trials["score"].to_numpy(dtype=np.float64)
    return scores[keys == "bonafide"], scores[keys == "spoof"]


def scores_by_attack(trials: pd.DataFrame) -> dict[str, np.ndarray]:
    """Scores of the bona fide trials and of each attack's spoof trials, bona fide first, attacks sorted."""
    bonafide, _ = class_scores(trials)
    spoof = trials[trials["key"] == "spoof"]
    groups = {str(attack): scores["score"].to_numpy(dtype=np.float64)
              for attack, scores in spoof.groupby(spoof["attack"].astype(str), sort=True)}
    return {"bona fide": bonafide, **groups}


def llr_metrics(bonafide: np.ndarray, spoof: np.ndarray) -> dict:
    """actDCF and Cllr: meaningful only when the scores are calibrated log-likelihood ratios."""
    act = metrics.act_dcf(bonafide, spoof)
    return {"act_dcf": act.dcf, "act_dcf_threshold": act.threshold, "cllr": json_number(metrics.cllr(bonafide, spoof))}


def _score_metrics(bonafide: np.ndarray, spoof: np.ndarray) -> dict:
    """Threshold-free metrics (EER, minDCF, min Cllr, ASVspoof 5 min t-DCF) and the LLR metrics."""
    eer = metrics.compute_eer(bonafide, spoof)
    min_dcf = metrics.min_dcf(bonafide, spoof)
    results = {
        "eer": eer.eer, "eer_threshold": eer.threshold,
        "min_dcf": min_dcf.dcf, "min_dcf_threshold": min_dcf.threshold,
        "min_cllr": metrics.min_cllr(bonafide, spoof),
        **llr_metrics(bonafide, spoof),
    }
    results.update(_guarded("min_tdcf_asvspoof5", lambda: metrics.min_tdcf_revised(
        bonafide, spoof, metrics.ASVSPOOF5_DEFAULT_ASV_RATES).min_tdcf))
    return results


def _guarded(name: str, compute) -> dict:
    """{name: value}, or {name: None, name_error: why} where the official tools refuse too."""
    try:
        return {name: json_number(compute())}
    except ValueError as error:
        logger.warning("%s not computed: %s", name, error)
        return {name: None, f"{name}_error": str(error)}


def tdcf_metrics(bonafide: np.ndarray, spoof: np.ndarray, asv_scores: pd.DataFrame) -> dict:
    """ASV error rates at the ASV EER threshold, min t-DCF (2019 legacy, as AASIST reports) and the 2021 revised."""
    asv_by_key = {key: asv_scores.loc[asv_scores["key"] == key, "score"].to_numpy(dtype=np.float64)
                  for key in ("target", "nontarget", "spoof")}
    asv = metrics.asv_error_rates(asv_by_key["target"], asv_by_key["nontarget"], asv_by_key["spoof"])
    return {
        "asv": asv.as_dict(),
        **_guarded("min_tdcf", lambda: metrics.min_tdcf_legacy(bonafide, spoof, asv).min_tdcf),
        **_guarded("min_tdcf_revised", lambda: metrics.min_tdcf_revised(bonafide, spoof, asv).min_tdcf),
    }


def evaluate_trials(trials: pd.DataFrame, asv_scores: pd.DataFrame | None = None, conditions=("attack",),
                    bootstrap: int = DEFAULT_BOOTSTRAP_RESAMPLES, seed: int = 0,
                    calibration: LinearCalibration | None = None) -> dict:
    """All metrics of `trials` (`key`, `score`, condition columns): overall, EER CI, and `per_<column>` tables."""
    bonafide, spoof = class_scores(trials)
    results = {
        "score_convention": SCORE_CONVENTION,
        "counts": {"bonafide": int(bonafide.size), "spoof": int(spoof.size), "total": int(len(trials))},
        **_score_metrics(bonafide, spoof),
    }
    if bootstrap:
        results["eer_ci"] = metrics.bootstrap_eer(bonafide, spoof, n_resamples=bootstrap, seed=seed).as_dict()
    results["min_tdcf"] = None  # needs the organisers' ASV scores
    if asv_scores is not None:
        results.update(tdcf_metrics(bonafide, spoof, asv_scores))
    if calibration is not None:
        results["calibration"] = {
            "model": {"scale": calibration.scale, "offset": calibration.offset, "prior": calibration.prior},
            "before": llr_metrics(bonafide, spoof),
            "after": llr_metrics(calibration.apply(bonafide), calibration.apply(spoof)),
        }
    for column in conditions:
        if column in trials:
            results[f"per_{column}"] = metrics.breakdown(trials, column)
        else:
            logger.warning("no per-%s results: the trials have no %r column", column, column)
    return results
