"""Scoring files window by window: aggregation, batching across files, channels, failures, overviews."""

from __future__ import annotations

import numpy as np
import pytest

from asdf.inference import ScoreOptions, Scorer, score_files
from asdf.inference.overview import ColumnStore, Overview, _envelope, _merge_envelope
from asdf.metrics.calibration import LinearCalibration
from tests.inference.audio_files import write_audio, write_bad_files

WINDOW = 4000


def _scorer() -> Scorer:
    """A stand-in model whose logit is the window's mean absolute amplitude: instant and easy to check."""
    return Scorer("fake", WINDOW, lambda windows: 10 * np.abs(windows).mean(axis=1))


def _records(paths, **options):
    return [record for result in score_files(paths, _scorer(), ScoreOptions(**options)) for record in result.records]


def test_file_score_is_the_mean_of_window_scores_with_times(tmp_path):
    path = write_audio(tmp_path / "a.wav", 16000, 1.1)
    (record,) = _records([path], overlap=0.5)
    assert record["window_starts_s"] == [0.0, 0.125, 0.25, 0.375, 0.5, 0.625, 0.75, 0.85]
    assert record["score"] == pytest.approx(np.mean(record["window_scores"]))
    assert record["decision"] == "bonafide" and record["threshold"] == 0 and record["duration_s"] == 1.1


@pytest.mark.parametrize("aggregation", ["min", "max", "median"])
def test_other_aggregations(tmp_path, aggregation):
    (record,) = _records([write_audio(tmp_path / "a.wav", 16000, 1.1)], aggregation=aggregation)
    assert record["score"] == pytest.approx(getattr(np, aggregation)(record["window_scores"]))


def test_batching_across_files_changes_nothing(tmp_path):
    paths = [write_audio(tmp_path / f"{i}.flac", 22050, 0.2 + 0.3 * i, seed=i) for i in range(5)]
    one_by_one = _records(paths, batch_size=1)
    batched = _records(paths, batch_size=7)
    assert [r["window_scores"] for r in one_by_one] == [r["window_scores"] for r in batched]
    assert [r["path"] for r in batched] == [str(p) for p in paths]


def test_per_channel_gives_one_record_per_channel(tmp_path):
    records = _records([write_audio(tmp_path / "a.wav", 48000, 0.6, channels=2)], per_channel=True)
    assert [r["channel"] for r in records] == [0, 1] and all(r["channels"] == 2 for r in records)


def test_bad_files_get_errors_and_the_others_are_still_scored(tmp_path):
    bad = write_bad_files(tmp_path / "bad")
    good = write_audio(tmp_path / "good.wav", 8000, 0.3)
    records = _records([bad["empty"], good, bad["truncated"], tmp_path / "missing.wav", bad["text"]])
    assert [r["error"] is None for r in records] == [False, True, False, False, False]
    assert all(str(r["path"]) in r["error"] for r in records if r["error"])


def test_calibration_makes_llrs_with_the_bayes_threshold(tmp_path):
    calibration = LinearCalibration(scale=2.0, offset=-1.0, prior=0.5 / 1.45)
    (raw,) = _records([write_audio(tmp_path / "a.wav", 16000, 0.5)])
    (calibrated,) = _records([tmp_path / "a.wav"], calibration=calibration)
    assert calibrated["score"] == pytest.approx(2 * raw["score"] - 1)
    assert calibrated["score_type"] == "llr" and calibrated["threshold"] == pytest.approx(-np.log(0.5 / 0.95))


def test_column_store_stays_bounded_and_keeps_the_extremes(rng):
    store = ColumnStore(4, _envelope, _merge_envelope, max_columns=16)
    signal = rng.standard_normal(10_000).astype(np.float32)
    for start in range(0, signal.size, 333):
        store.push(signal[start : start + 333])
    columns, segment = store.finish()
    assert columns.shape[0] <= 16 + 1 and segment * 16 >= signal.size // 2
    assert columns[:, 0].min() == signal.min() and columns[:, 1].max() == signal.max()


def test_overview_of_a_minute_is_small(rng):
    overview = Overview(16000)
    for _ in range(60):
        overview.push(rng.standard_normal(16000).astype(np.float32))
    assert overview.envelope.finish()[0].shape[0] <= 2048 and overview.spectrum.finish()[0].shape[1] == 129
