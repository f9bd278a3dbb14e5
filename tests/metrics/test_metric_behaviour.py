"""Refusals, edge cases and properties of the metrics beyond the reference score sets."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from asdf import metrics


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_scores_are_refused(bad):
    with pytest.raises(ValueError, match="spoof scores contain 1 NaN or infinite value"):
        metrics.compute_eer([1.0, 2.0], [0.0, bad])


@pytest.mark.parametrize("compute", [metrics.compute_eer, metrics.min_dcf, metrics.act_dcf, metrics.cllr,
                                     metrics.min_cllr, metrics.bootstrap_eer])
def test_empty_class_is_refused(compute):
    with pytest.raises(ValueError, match="no bona fide scores"):
        compute([], [0.0, 1.0])


def test_text_labels_are_not_scores():
    with pytest.raises(ValueError, match="not numbers"):
        metrics.compute_eer(["bonafide"], [0.0])


def test_binary_decisions_refused_by_tdcf():
    rates = metrics.asv_error_rates([2.0, 3.0], [-1.0, 0.0], [1.0, 2.5])
    with pytest.raises(ValueError, match="soft CM scores"):
        metrics.min_tdcf_legacy([1.0, 1.0], [0.0, 0.0], rates)


def test_cllr_overflow_is_infinite_as_official(caplog):
    with caplog.at_level(logging.WARNING):
        assert metrics.cllr([-800.0, 3.0], [-2.0]) == np.inf
    assert "infinite" in caplog.text


def test_perfect_and_inverted_eer():
    assert metrics.compute_eer([2.0, 3.0], [0.0, 1.0]).eer == 0.0
    assert metrics.compute_eer([0.0, 1.0], [2.0, 3.0]).eer == 1.0


def _official_t_eer_loop(cm_bonafide, cm_spoof, target, nontarget, spoof) -> float:
    """The official O(N*M) scan, written plainly, to check the binary search against."""
    cm = metrics.det_curve(cm_bonafide, cm_spoof)
    asv_miss, asv_nontarget_fa, asv_spoof_fa = metrics.teer.asv_tandem_curves(target, nontarget, spoof)
    best, best_value = np.inf, None
    for i in range(asv_miss.size):
        tandem_miss = cm.miss_rates + (1 - cm.miss_rates) * asv_miss[i]
        tandem_fa = 0.5 * (1 - cm.miss_rates) * asv_nontarget_fa[i] + 0.5 * cm.false_alarm_rates * asv_spoof_fa[i]
        j = np.argmin(np.abs(tandem_miss - tandem_fa))
        if asv_miss[i] < 0.5 * asv_nontarget_fa[i] + 0.5 * asv_spoof_fa[i]:
            with np.errstate(divide="ignore", invalid="ignore"):
                criterion = abs(asv_nontarget_fa[i] / asv_spoof_fa[i]
                                - cm.false_alarm_rates[j] / (1 - cm.miss_rates[j]))
            if criterion < best:
                best, best_value = criterion, asv_spoof_fa[i] * cm.false_alarm_rates[j]
    return best_value


@pytest.mark.parametrize("grid", [0.0, 0.5, 1.0])
def test_t_eer_binary_search_matches_full_scan(rng, grid):
    means = {"cm_bonafide": 1.0, "cm_spoof": -1.0, "target": 2.0, "nontarget": -1.0, "spoof": 1.0}
    for _ in range(30):
        scores = {name: rng.normal(mean, 1.0, rng.integers(3, 40)) for name, mean in means.items()}
        if grid:  # coarse scores: many ties, hence plateaus in the tandem curves
            scores = {name: np.round(draw / grid) * grid for name, draw in scores.items()}
        expected = _official_t_eer_loop(*scores.values())
        if expected is None:
            with pytest.raises(ValueError, match="t-EER is undefined"):
                metrics.t_eer(*scores.values())
        else:
            assert metrics.t_eer(*scores.values()) == expected


def test_bootstrap_is_seeded_and_brackets_the_eer(rng):
    bonafide, spoof = rng.normal(1, 1, 400), rng.normal(-1, 1, 600)
    first = metrics.bootstrap_eer(bonafide, spoof, n_resamples=200, seed=7)
    again = metrics.bootstrap_eer(bonafide, spoof, n_resamples=200, seed=7)
    other = metrics.bootstrap_eer(bonafide, spoof, n_resamples=200, seed=8)
    assert first == again and first != other
    assert first.low < metrics.compute_eer(bonafide, spoof).eer < first.high


def test_calibration_recovers_known_llrs_and_round_trips(rng, tmp_path):
    # Unit-variance Gaussians at +-1: the true LLR is 2 * score.
    bonafide, spoof = rng.normal(1, 1, 20000), rng.normal(-1, 1, 20000)
    calibration = metrics.fit_calibration(bonafide * 3 + 5, spoof * 3 + 5)
    assert calibration.scale == pytest.approx(2 / 3, rel=0.03)
    assert calibration.apply(5.0) == pytest.approx(0.0, abs=0.05)
    calibration.save(tmp_path / "calibration.json")
    assert metrics.LinearCalibration.load(tmp_path / "calibration.json") == calibration
    raw_cllr = metrics.cllr(bonafide * 3 + 5, spoof * 3 + 5)
    assert metrics.cllr(calibration.apply(bonafide * 3 + 5), calibration.apply(spoof * 3 + 5)) < raw_cllr


def test_breakdown_per_attack_uses_all_bona_fide():
    import pandas as pd

    trials = pd.DataFrame({
        "key": ["bonafide"] * 4 + ["spoof"] * 4,
        "attack": ["-"] * 4 + ["A01", "A01", "A02", "A02"],
        "codec": ["mp3", "mp3", "none", "none", "mp3", "mp3", "none", "none"],
        "score": [3.0, 2.0, 1.0, 0.5, 0.0, 2.5, -1.0, -2.0],
    })
    per_attack = metrics.breakdown(trials, "attack")
    assert list(per_attack) == ["A01", "A02"] and per_attack["A01"]["n_bonafide"] == 4
    assert per_attack["A02"]["eer"] == 0.0
    per_codec = metrics.breakdown(trials, "codec")
    assert per_codec["mp3"]["n_bonafide"] == 2 and per_codec["none"]["eer"] == 0.0
    with pytest.raises(ValueError, match="cannot break down by 'channel'"):
        metrics.breakdown(trials, "channel")
