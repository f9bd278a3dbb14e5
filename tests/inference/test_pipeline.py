"""Scoring files window by window: aggregation, batching across files, channels, failures, undecidable
files, progress, overviews."""

from __future__ import annotations

import io
import json
import logging
import re

import numpy as np
import pytest
import soundfile

from asdf.data.levels import LoudestFrame
from asdf.inference import ScoreOptions, Scorer, run_batch, score_files
from asdf.inference.overview import ColumnStore, Overview, _envelope, _merge_envelope
from asdf.inference.writers import ResultWriter
from asdf.metrics.calibration import LinearCalibration
from tests.inference.audio_files import speechlike, write_audio, write_bad_files

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


def _write(path, samples, rate=16000):
    soundfile.write(path, samples.astype(np.float32), rate, subtype="FLOAT")
    return path


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_samples_give_an_error_record_not_a_score(tmp_path, bad):
    samples = speechlike(16000, 2.0)[:, 0]
    samples[20_000] = bad  # in the second of two blocks: windows of the first block were already queued
    records = _records([_write(tmp_path / "bad.wav", samples), write_audio(tmp_path / "good.wav", 16000, 1.0)],
                       batch_size=3)
    assert records[0]["error"] == f"{tmp_path / 'bad.wav'}: contains NaN or infinite samples"
    assert records[0]["score"] is None and records[0]["decision"] is None
    assert records[1]["error"] is None and np.isfinite(records[1]["score"])
    json.dumps(records, allow_nan=False)  # valid JSON: no NaN anywhere


def test_a_non_finite_model_output_is_an_error_record(tmp_path):
    calls = []

    def overflows_on_the_third_window(windows):
        calls.append(len(windows))
        return np.full(len(windows), np.inf if len(calls) == 3 else 1.0)

    path = write_audio(tmp_path / "a.wav", 16000, 1.0)
    (result,) = score_files([path], Scorer("overflowing", WINDOW, overflows_on_the_third_window), ScoreOptions())
    assert result.records[0]["error"] == (f"{path}: the model's score is not finite (NaN or infinite) "
                                          "for the window at 0.25 s")
    assert result.records[0]["score"] is None


def test_silence_and_short_input_are_undecided_but_keep_their_score(tmp_path, rng):
    """5 s of zeros got a confident bona fide verdict from the official AASIST; so did 0.2 s of speech."""
    files = {
        "zeros": np.zeros(80_000),
        "dc_offset": np.full(80_000, 0.05),
        "hiss_at_-70_dBFS": 10 ** (-70 / 20) * rng.standard_normal(80_000),
        "hiss_at_-50_dBFS": 10 ** (-50 / 20) * rng.standard_normal(80_000),
        "speech": speechlike(16000, 5.0)[:, 0],
        "short_speech": speechlike(16000, 0.2)[:, 0],
        "short_silence": np.zeros(3_000),
    }
    paths = [_write(tmp_path / f"{name}.wav", samples) for name, samples in files.items()]
    records = {r["path"].split("/")[-1][:-4]: r for r in _records(paths, per_channel=False)}
    assert {name: r["flags"] for name, r in records.items()} == {
        "zeros": ["silent"], "dc_offset": ["silent"], "hiss_at_-70_dBFS": ["silent"], "hiss_at_-50_dBFS": [],
        "speech": [], "short_speech": ["too_short"], "short_silence": ["silent", "too_short"]}
    for name, record in records.items():
        assert record["decision"] == ("undecided" if record["flags"] else "bonafide")
        assert isinstance(record["score"], float) and record["error"] is None
    (longer,) = _records([paths[-2]], min_duration_s=0.1)
    assert longer["flags"] == [] and longer["decision"] == "bonafide"


def test_flags_are_per_channel_with_per_channel_scoring(tmp_path):
    stereo = speechlike(48000, 1.0, channels=2)
    stereo[:, 1] = 0
    records = _records([_write(tmp_path / "one_side.wav", stereo, 48000)], per_channel=True)
    assert [(r["channel"], r["flags"], r["decision"]) for r in records] == [(0, [], "bonafide"),
                                                                            (1, ["silent"], "undecided")]


@pytest.mark.parametrize("block", [1, 77, 320, 5000])
def test_loudest_frame_is_the_same_whatever_the_blocks(block, rng):
    signal = rng.standard_normal((2, 16_123)) * np.linspace(0, 1, 16_123)
    whole, streamed = LoudestFrame(16000), LoudestFrame(16000)
    whole.push(signal)
    for start in range(0, signal.shape[1], block):
        streamed.push(signal[:, start : start + block])
    np.testing.assert_allclose(streamed.finish(), whole.finish(), rtol=1e-12)
    frames = signal[:, : 16_000].reshape(2, -1, 320)  # 20 ms frames, and a last one of 123 samples
    loudest = np.maximum(frames.var(axis=2).max(axis=1), signal[:, 16_000:].var(axis=1))
    np.testing.assert_allclose(whole.finish(), 10 * np.log10(loudest), rtol=1e-12)


def test_progress_lines_come_while_a_long_file_is_scored(tmp_path, caplog):
    long_file = write_audio(tmp_path / "long.wav", 16000, 20.0)  # three blocks of 131,072 samples
    short_files = [write_audio(tmp_path / f"{i}.wav", 16000, 1.0) for i in range(2)]
    writer = ResultWriter(io.StringIO(), "jsonl", set(), write_header=False)
    with caplog.at_level(logging.INFO, logger="asdf.inference.runner"):
        summary = run_batch([short_files[0], long_file, short_files[1]], _scorer(), ScoreOptions(), writer,
                            progress_interval_s=0)
    lines = [record.getMessage() for record in caplog.records]
    long_file_lines = re.compile(r"scoring .*long.wav: (\d+) s of audio done, file 2/3")
    during = [float(match.group(1)) for match in map(long_file_lines.match, lines) if match]
    assert len(set(during)) >= 3 and min(during) < 10 and max(during) == 20  # it moves within the file
    last_file = r"scoring .*1.wav: 1 s of audio done, file 3/3; 2 scored, 0 failed, 0 undecided"
    assert any(re.match(last_file, line) for line in lines)
    assert (summary.scored, summary.failed, summary.undecided) == (3, 0, 0)
