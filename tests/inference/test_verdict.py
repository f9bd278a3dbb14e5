"""The calibrated verdict of `asdf score`: posterior under a prior, the decision rule and where it comes from,
and the flags that leave a file undecided (clipped, windows that disagree, scores outside the calibration)."""

from __future__ import annotations

import math

import numpy as np
import pytest
import soundfile

from asdf.base.errors import ConfigError
from asdf.inference import ScoreOptions, Scorer, score_files
from asdf.metrics.calibration import LinearCalibration
from tests.inference.audio_files import speechlike, write_audio

WINDOW = 4000
IDENTITY = LinearCalibration(scale=1.0, offset=0.0, prior=0.5)


def _scorer() -> Scorer:
    """A stand-in model whose logit is 400 x (mean absolute amplitude - 0.05): loud windows bona fide, quiet spoof."""
    return Scorer("fake", WINDOW, lambda windows: 400 * (np.abs(windows).mean(axis=1) - 0.05))


def _record(path, **options) -> dict:
    (result,) = score_files([path], _scorer(), ScoreOptions(**options))
    return result.records[0]


def test_posterior_and_decision_follow_the_prior(tmp_path):
    path = write_audio(tmp_path / "a.wav", 16000, 1.0)
    even = _record(path, calibration=IDENTITY, prior=0.5)
    assert even["posterior"] == pytest.approx(1 / (1 + math.exp(-even["score"])))
    assert even["threshold"] == pytest.approx(0.0)
    sceptical = _record(path, calibration=IDENTITY, prior=0.01)
    assert sceptical["posterior"] == pytest.approx(1 / (1 + math.exp(-(even["score"] + math.log(0.01 / 0.99)))))
    assert sceptical["threshold"] == pytest.approx(-math.log(0.01 / 0.99))
    for record in (even, sceptical):  # the decision is always "posterior above 1/2"
        assert (record["decision"] == "bonafide") == (record["posterior"] > 0.5)
        assert "the user's bona fide prior" in record["operating_point"]


def test_a_shipped_operating_point_is_named_and_sets_the_default_prior(tmp_path):
    path = write_audio(tmp_path / "a.wav", 16000, 1.0)
    record = _record(path, calibration=IDENTITY, operating_point="the dev point", default_prior=0.9,
                     calibration_source="fitted on dev")
    assert record["prior"] == 0.9 and record["threshold"] == pytest.approx(-math.log(9))
    assert record["operating_point"] == "the dev point (bona fide prior 0.9)"
    assert record["calibration"] == "fitted on dev"
    overridden = _record(path, calibration=IDENTITY, operating_point="the dev point", default_prior=0.9, prior=0.2)
    assert overridden["prior"] == 0.2 and "the user's" in overridden["operating_point"]


def test_uncalibrated_scores_have_no_posterior(tmp_path):
    record = _record(write_audio(tmp_path / "a.wav", 16000, 1.0))
    assert record["posterior"] is None and record["prior"] is None and record["calibration"] is None
    assert "official AASIST decision" in record["operating_point"]


@pytest.mark.parametrize("options, message", [
    ({"prior": 0.5}, "a prior needs calibrated scores"),
    ({"prior": 1.0, "calibration": IDENTITY}, "prior must lie strictly between 0 and 1, got 1.0"),
    ({"default_prior": 0.0, "calibration": IDENTITY}, "operating point prior must lie strictly between 0 and 1"),
])
def test_bad_priors_are_refused(options, message):
    with pytest.raises(ConfigError, match=message):
        ScoreOptions(**options)


def test_clipped_audio_is_undecided_but_a_peak_normalised_or_barely_clipped_file_is_not(tmp_path):
    speech = speechlike(16000, 1.0)
    soundfile.write(tmp_path / "clipped.wav", np.clip(speech * 12, -1, 1), 16000, subtype="PCM_16")  # 3.7 %
    soundfile.write(tmp_path / "barely.wav", np.clip(speech * 9, -1, 1), 16000, subtype="PCM_16")  # 0.4 %
    soundfile.write(tmp_path / "peak.wav", speech / np.abs(speech).max() * 0.99997, 16000, subtype="PCM_16")
    clipped = _record(tmp_path / "clipped.wav")
    assert clipped["flags"] == ["clipped"] and clipped["decision"] == "undecided"
    assert _record(tmp_path / "barely.wav")["flags"] == [] and _record(tmp_path / "peak.wav")["flags"] == []


def test_windows_that_disagree_strongly_leave_the_file_undecided(tmp_path):
    loud, quiet = speechlike(16000, 1.0) * 4.0, speechlike(16000, 1.0, seed=1) * 0.02
    soundfile.write(tmp_path / "spliced.wav", np.concatenate((loud, quiet)), 16000, subtype="FLOAT")
    shipped = {"calibration": IDENTITY, "default_prior": 0.5, "operating_point": "p", "calibrated_range": (-1e3, 1e3)}
    record = _record(tmp_path / "spliced.wav", overlap=0.0, **shipped)
    scores = record["window_scores"]
    assert max(scores) > math.log(100) and min(scores) < -math.log(100)
    assert record["flags"] == ["windows_disagree"] and record["decision"] == "undecided"
    steady = _record(write_audio(tmp_path / "steady.wav", 16000, 2.0), overlap=0.0, **shipped)
    assert steady["flags"] == [] and steady["decision"] != "undecided"


def test_a_score_outside_the_calibrated_range_is_flagged(tmp_path):
    path = write_audio(tmp_path / "a.wav", 16000, 1.0)
    raw = _record(path)["score"]
    inside = _record(path, calibration=IDENTITY, calibrated_range=(raw - 1, raw + 1))
    outside = _record(path, calibration=IDENTITY, calibrated_range=(raw + 1, raw + 2))
    assert inside["flags"] == [] and outside["flags"] == ["outside_calibration"]
    assert outside["score"] == inside["score"]  # the score is kept; only the decision is withheld
