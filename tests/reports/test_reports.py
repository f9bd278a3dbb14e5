"""evaluate_trials and write_report: JSON-able results, the Markdown table and the plots."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from asdf.metrics import fit_calibration
from asdf.reports import evaluate_trials, write_report


@pytest.fixture
def trials(rng) -> pd.DataFrame:
    """300 bona fide and 3 x 200 spoof trials of increasing difficulty."""
    attacks = np.repeat(["A07", "A08", "A09"], 200)
    spoof_scores = rng.normal(-2, 1, 600) + np.repeat([0.0, 1.0, 2.0], 200)
    return pd.DataFrame({
        "utt_id": [f"E_{i}" for i in range(900)],
        "attack": ["-"] * 300 + attacks.tolist(),
        "key": ["bonafide"] * 300 + ["spoof"] * 600,
        "score": np.concatenate((rng.normal(2, 1, 300), spoof_scores)),
    })


@pytest.fixture
def asv_scores(rng) -> pd.DataFrame:
    """Organiser-style ASV scores."""
    keys = ["target"] * 100 + ["nontarget"] * 100 + ["spoof"] * 200
    scores = np.concatenate((rng.normal(3, 1, 100), rng.normal(-3, 1, 100), rng.normal(1, 2, 200)))
    return pd.DataFrame({"source": "LA_0001", "key": keys, "score": scores})


def test_evaluate_trials_is_json_and_complete(trials, asv_scores):
    calibration = fit_calibration(trials.score[trials.key == "bonafide"], trials.score[trials.key == "spoof"])
    results = evaluate_trials(trials, asv_scores, bootstrap=50, seed=3, calibration=calibration)
    json.dumps(results, allow_nan=False)
    assert results["counts"] == {"bonafide": 300, "spoof": 600, "total": 900}
    assert 0 < results["eer"] < 0.5 and results["eer_ci"]["low"] <= results["eer"] <= results["eer_ci"]["high"]
    # a CM that separates the classes costs less than the 1 of the trivial CM (normalised min t-DCF is never above)
    assert 0 < results["min_tdcf"] < 1 and 0 < results["min_tdcf_revised"] < 1 and "asv" in results
    attack_eers = [results["per_attack"][attack]["eer"] for attack in ("A07", "A08", "A09")]
    assert attack_eers == sorted(attack_eers)
    assert results["calibration"]["after"]["cllr"] <= results["calibration"]["before"]["cllr"]
    assert evaluate_trials(trials, bootstrap=50, seed=3)["eer_ci"] == results["eer_ci"]


def test_evaluate_refuses_unknown_keys(trials):
    trials.loc[0, "key"] = "genuine"
    with pytest.raises(ValueError, match="unknown keys"):
        evaluate_trials(trials, bootstrap=0)


def test_write_report_files(tmp_path, trials):
    results = evaluate_trials(trials, bootstrap=20)
    paths = write_report(results, trials, tmp_path, "eval.best", header="Settings: model = aasist")
    names = sorted(path.relative_to(tmp_path).as_posix() for path in paths)
    assert names == ["eval.best.json", "eval.best.md", "plots/eval.best_attack_eer.png",
                     "plots/eval.best_attack_scores.png", "plots/eval.best_confusion.png", "plots/eval.best_det.png",
                     "plots/eval.best_roc.png", "plots/eval.best_scores.png"]
    markdown = (tmp_path / "eval.best.md").read_text()
    assert markdown.startswith("Settings: model = aasist") and "| A09 | 300 | 200 |" in markdown
    assert json.loads((tmp_path / "eval.best.json").read_text())["settings"] == "Settings: model = aasist"
    assert all(path.stat().st_size > 10_000 for path in paths if path.suffix == ".png")
