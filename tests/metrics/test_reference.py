"""Every number the official ASVspoof packages produced on the shared reference score sets."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from asdf import metrics
from asdf.metrics.det import eer_index
from asdf.metrics.tdcf import AsvErrorRates
from tests.conftest import shared_data_folder

RELATIVE_TOLERANCE = 1e-9


def _scenarios() -> list:
    """(seed, scenario) pairs from the reference files, or one skipped case when they are absent."""
    folder = shared_data_folder() / "reference" / "metrics"
    cases = []
    for seed in (0, 1):
        path = folder / f"ref_seed{seed}.json"
        if path.is_file():
            cases += [pytest.param(scenario, id=f"seed{seed}-{scenario['name']}")
                      for scenario in json.loads(path.read_text())["scenarios"]]
    return cases or [pytest.param(None, marks=pytest.mark.skip(reason=f"no reference files under {folder}"))]


def assert_close(value: float, expected) -> None:
    """Equal within 1e-9 relative; 'nan' and 'inf' (as the reference files write them) exactly."""
    expected = float(expected)
    if math.isnan(expected):
        assert math.isnan(value)
    else:
        assert value == pytest.approx(expected, rel=RELATIVE_TOLERANCE, abs=0 if expected else 1e-15)


class Trials:
    """The scenario's score arrays, split as the official tools split them."""

    def __init__(self, scenario: dict):
        trials = scenario["inputs"]["trials"]
        keys = np.array(trials["key"])
        cm, asv, sasv = (np.array(trials[name], dtype=float) for name in ("cm", "asv", "sasv"))
        self.bonafide, self.spoof = cm[keys != "spoof"], cm[keys == "spoof"]
        self.asv = [asv[keys == key] for key in ("target", "nontarget", "spoof")]
        self.sasv = [sasv[keys == key] for key in ("target", "nontarget", "spoof")]


@pytest.fixture(params=_scenarios())
def scenario(request) -> dict:
    """One reference scenario."""
    return request.param


def test_eer_and_threshold_exact(scenario):
    trials, official = Trials(scenario), scenario["results"]
    result = metrics.compute_eer(trials.bonafide, trials.spoof)
    for package in ("asvspoof2019_tDCF_python_v2", "aasist_evaluation_py", "asvspoof2021_eval_package",
                    "asvspoof5_track1"):
        assert result.eer == official[package]["eer"]
        assert result.threshold == official[package]["eer_threshold"]
    curve = metrics.det_curve(trials.bonafide, trials.spoof)
    assert eer_index(curve) == official["asvspoof2019_tDCF_python_v2"]["eer_index"]
    assert curve.thresholds.size == official["asvspoof2019_tDCF_python_v2"]["det_points"]


def test_asv_error_rates(scenario):
    trials, official = Trials(scenario), scenario["results"]["asvspoof2019_tDCF_python_v2"]["asv"]
    rates = metrics.asv_error_rates(*trials.asv)
    assert rates.eer == official["asv_eer"] and rates.threshold == official["asv_threshold"]
    for name, key in [("false_alarm", "Pfa_asv"), ("miss", "Pmiss_asv"), ("spoof_miss", "Pmiss_spoof_asv"),
                      ("spoof_false_alarm", "Pfa_spoof_asv")]:
        assert_close(getattr(rates, name), official[key])


@pytest.mark.parametrize("model, compute", [("min_tDCF_legacy", metrics.min_tdcf_legacy),
                                             ("min_tDCF_revised", metrics.min_tdcf_revised)])
def test_min_tdcf_2019_and_2021(scenario, model, compute):
    trials, official = Trials(scenario), scenario["results"]
    expected = official["asvspoof2019_tDCF_python_v2"][model]
    asv = metrics.asv_error_rates(*trials.asv)
    if "error" in expected:
        with pytest.raises(ValueError, match="soft CM scores"):
            compute(trials.bonafide, trials.spoof, asv)
        return
    result = compute(trials.bonafide, trials.spoof, asv)
    assert_close(result.min_tdcf, expected["min_tDCF"])
    assert result.threshold == expected["cm_threshold_at_min"] and result.index == expected["argmin_index"]
    if model == "min_tDCF_legacy":
        assert_close(result.min_tdcf, official["aasist_evaluation_py"]["min_tDCF"])
        c1, c2 = metrics.legacy_coefficients(asv)
        assert_close(c1, expected["C1"])
        assert_close(c2, expected["C2"])
    else:
        assert_close(result.min_tdcf, official["asvspoof2021_eval_package"]["eval_wrapper"]["min_tDCF"])


def test_revised_coefficients_2021(scenario):
    expected = scenario["results"]["asvspoof2021_eval_package"]["C012"]
    coefficients = metrics.revised_coefficients(metrics.asv_error_rates(*Trials(scenario).asv))
    for value, name in zip(coefficients, ("C0", "C1", "C2")):
        assert_close(value, expected[name])


def test_asvspoof5_track1(scenario):
    trials, official = Trials(scenario), scenario["results"]["asvspoof5_track1"]
    min_dcf = metrics.min_dcf(trials.bonafide, trials.spoof)
    assert_close(min_dcf.dcf, official["minDCF"])
    assert min_dcf.threshold == official["minDCF_threshold"]
    act_dcf = metrics.act_dcf(trials.bonafide, trials.spoof)
    assert_close(act_dcf.dcf, official["actDCF"])
    assert act_dcf.threshold == official["actDCF_threshold"]
    assert_close(metrics.cllr(trials.bonafide, trials.spoof), official["cllr_bits"])


def test_asvspoof5_track2(scenario):
    trials, official = Trials(scenario), scenario["results"]["asvspoof5_track2"]
    paper = metrics.a_dcf(*trials.sasv, cost_model=metrics.PAPER_ADCF_COST_MODEL)
    assert_close(paper.dcf, official["a_DCF_paper_default_costmodel"]["a_DCF"])
    assert paper.threshold == official["a_DCF_paper_default_costmodel"]["threshold"]
    assert metrics.a_dcf(*trials.sasv).threshold == official["a_DCF_threshold"]
    t_eer_percent = 100 * metrics.t_eer(trials.bonafide, trials.spoof, *trials.asv)
    assert_close(t_eer_percent, official["t_EER_percent_exhaustive_compute_teer"]["t_EER_percent"])
    if "error" in official:
        with pytest.raises(ValueError, match="soft CM scores"):
            metrics.min_tdcf_revised(trials.bonafide, trials.spoof, metrics.ASVSPOOF5_DEFAULT_ASV_RATES)
        return
    assert_close(metrics.a_dcf(*trials.sasv).dcf, official["a_DCF"])
    assert_close(t_eer_percent, official["t_EER_percent_official"])
    default_rates = metrics.min_tdcf_revised(trials.bonafide, trials.spoof, metrics.ASVSPOOF5_DEFAULT_ASV_RATES)
    assert_close(default_rates.min_tdcf, official["min_tDCF_default_asv_rates"])


def test_asvspoof5_tdcf_with_organiser_asv_scores(scenario):
    """The official ASV-score path passes the spoof *miss* rate where the false-alarm rate belongs; reproduce it."""
    trials, official = Trials(scenario), scenario["results"]["asvspoof5_track2"]["min_tDCF_via_asv_scores_org_path"]
    rates = metrics.asv_error_rates(*trials.asv)
    as_official = AsvErrorRates(false_alarm=rates.false_alarm, miss=rates.miss,
                                spoof_miss=rates.spoof_false_alarm, spoof_false_alarm=rates.spoof_miss)
    if "error" in official:
        pytest.skip("the official code refuses these scores too (see test_min_tdcf_2019_and_2021)")
    assert_close(metrics.min_tdcf_revised(trials.bonafide, trials.spoof, as_official).min_tdcf, official["min_tDCF"])


def test_min_cllr_pav(scenario):
    trials, official = Trials(scenario), scenario["results"]["unofficial_min_cllr_pav"]
    assert_close(metrics.min_cllr(trials.bonafide, trials.spoof), official["min_cllr_bits_no_ramp"])
    assert_close(metrics.min_cllr(trials.bonafide, trials.spoof, monotonicity_epsilon=1e-6), official["min_cllr_bits"])
