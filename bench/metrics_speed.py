"""Time every metric on 1,000,000 trials (the size of ASVspoof 2021 DF); prints one line per metric.

Run: .venv/bin/python bench/metrics_speed.py [--trials N] [--bootstrap B]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import pandas as pd

from asdf import metrics
from asdf.reports import evaluate_trials


def synthetic_trials(n_trials: int, seed: int = 0) -> dict:
    """10 % bona fide (half target, half nontarget), 90 % spoof over 13 attacks; CM, ASV and SASV scores."""
    rng = np.random.default_rng(seed)
    n_bonafide = n_trials // 10
    keys = np.array(["target", "nontarget", "spoof"])[
        np.r_[np.zeros(n_bonafide // 2, int), np.ones(n_bonafide - n_bonafide // 2, int),
              np.full(n_trials - n_bonafide, 2)]]
    is_spoof = keys == "spoof"
    cm = np.where(is_spoof, rng.normal(-2, 1.5, n_trials), rng.normal(2, 1.2, n_trials)).round(4)  # some ties
    asv = np.select([keys == "target", keys == "nontarget"], [rng.normal(3, 1, n_trials), rng.normal(-3, 1, n_trials)],
                    rng.normal(1, 2, n_trials))
    attacks = np.where(is_spoof, np.char.add("A", rng.integers(7, 20, n_trials).astype(str)), "-")
    return {"keys": keys, "cm": cm, "asv": asv, "sasv": cm + asv, "attacks": attacks}


def timed(label: str, compute) -> None:
    """Run `compute` once and print its wall time."""
    start = time.perf_counter()
    value = compute()
    print(f"{label:<40s} {time.perf_counter() - start:7.3f} s   {value}")


def main() -> None:
    """Build the trials, then time each metric and the whole report dict."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=1_000_000)
    parser.add_argument("--bootstrap", type=int, default=100)
    args = parser.parse_args()
    data = synthetic_trials(args.trials)
    keys, cm = data["keys"], data["cm"]
    bonafide, spoof = cm[keys != "spoof"], cm[keys == "spoof"]
    asv = [data["asv"][keys == key] for key in ("target", "nontarget", "spoof")]
    sasv = [data["sasv"][keys == key] for key in ("target", "nontarget", "spoof")]
    rates = metrics.asv_error_rates(*asv)
    trials = pd.DataFrame({"key": np.where(keys == "spoof", "spoof", "bonafide"), "attack": data["attacks"],
                           "score": cm})
    print(f"{args.trials} trials ({bonafide.size} bona fide, {spoof.size} spoof)")
    total_start = time.perf_counter()
    timed("EER", lambda: metrics.compute_eer(bonafide, spoof).eer)
    timed("min t-DCF 2019 legacy", lambda: metrics.min_tdcf_legacy(bonafide, spoof, rates).min_tdcf)
    timed("min t-DCF 2021 revised", lambda: metrics.min_tdcf_revised(bonafide, spoof, rates).min_tdcf)
    timed("minDCF (ASVspoof 5)", lambda: metrics.min_dcf(bonafide, spoof).dcf)
    timed("actDCF (ASVspoof 5)", lambda: metrics.act_dcf(bonafide, spoof).dcf)
    timed("Cllr", lambda: metrics.cllr(bonafide, spoof))
    timed("min Cllr (PAV)", lambda: metrics.min_cllr(bonafide, spoof))
    timed("a-DCF", lambda: metrics.a_dcf(*sasv).dcf)
    timed("min t-DCF, ASVspoof 5 default ASV", lambda: metrics.min_tdcf_revised(
        bonafide, spoof, metrics.ASVSPOOF5_DEFAULT_ASV_RATES).min_tdcf)
    timed("t-EER", lambda: metrics.t_eer(bonafide, spoof, *asv))
    timed("per-attack breakdown (13 attacks)", lambda: len(metrics.breakdown(trials, "attack")))
    print(f"{'all metrics above':<40s} {time.perf_counter() - total_start:7.3f} s")
    timed(f"EER bootstrap CI ({args.bootstrap} resamples)",
          lambda: metrics.bootstrap_eer(bonafide, spoof, n_resamples=args.bootstrap).as_dict())
    timed("evaluate_trials (no bootstrap)", lambda: evaluate_trials(trials, bootstrap=0)["eer"])


if __name__ == "__main__":
    main()
