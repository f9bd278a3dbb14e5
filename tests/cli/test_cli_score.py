"""`asdf score` end to end: a folder of every format, rate and layout plus broken files; outputs, plots, resume,
and every refusal as one line on stderr."""

from __future__ import annotations

import csv
import io
import json
import shutil

import numpy as np
import pytest
import soundfile

from asdf.cli.main import FAILED_FILES_EXIT, USER_ERROR_EXIT, main
from tests.inference.audio_files import TINY_WINDOW, tiny_checkpoint, write_audio, write_bad_files

# (name, rate, seconds, channels): every format, every rate, mono and stereo, 0.3 s to 5 s
GOOD_FILES = [("a.wav", 8000, 0.3, 1), ("b.flac", 22050, 1.0, 2), ("c.mp3", 44100, 2.0, 1),
              ("d.ogg", 48000, 0.7, 2), ("e.opus", 48000, 1.5, 1), ("f.opus", 8000, 0.4, 2),
              ("g.wav", 48000, 5.0, 2), ("deep/h.flac", 44100, 2.5, 1)]


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    return tiny_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt")


@pytest.fixture
def folder(tmp_path):
    """The audio folder: good files (M4A too when PyAV is there) and the three broken ones."""
    audio = tmp_path / "audio"
    (audio / "deep").mkdir(parents=True)
    for name, rate, seconds, channels in GOOD_FILES:
        write_audio(audio / name, rate, seconds, channels)
    try:
        write_audio(audio / "i.m4a", 44100, 1.2, 2)
    except ImportError:
        pass
    write_bad_files(audio)
    return audio


def _score(checkpoint, *arguments) -> int:
    return main(["score", *map(str, arguments), "--model", str(checkpoint), "--window-samples", str(TINY_WINDOW),
                 "--device", "cpu"])


def _read_jsonl(path) -> dict:
    return {record["path"]: record for record in map(json.loads, path.read_text().splitlines())}


def test_every_good_file_is_scored_and_every_bad_one_reported(tmp_path, folder, checkpoint):
    out = tmp_path / "scores.jsonl"
    assert _score(checkpoint, folder, "--out", out, "--overlap", "0") == FAILED_FILES_EXIT
    records = _read_jsonl(out)
    failed = {path.split("/")[-1]: r["error"] for path, r in records.items() if r["error"]}
    assert sorted(failed) == ["empty.wav", "text.wav", "truncated.wav"]
    scored = [r for r in records.values() if not r["error"]]
    assert len(scored) == len(GOOD_FILES) + (folder / "i.m4a").exists()
    for record in scored:
        too_short = record["duration_s"] < 0.5  # a.wav (0.3 s) and f.opus (0.4 s)
        assert record["flags"] == (["too_short"] if too_short else [])
        assert isinstance(record["score"], float)
        assert record["decision"] == "undecided" if too_short else record["decision"] in ("bonafide", "spoof")
        assert len(record["window_scores"]) == len(record["window_starts_s"]) >= 1
    assert records[str(folder / "g.wav")]["window_starts_s"][-2:] == [4.5, 4.75]  # 5 s in 0.25 s windows


def test_csv_plots_and_resume(tmp_path, folder, checkpoint, capsys):
    out, plots = tmp_path / "scores.csv", tmp_path / "plots"
    assert _score(checkpoint, folder / "a.wav", folder / "b.flac", "--out", out, "--plot", plots) == 0
    assert sorted(p.stat().st_size > 20_000 for p in plots.iterdir()) == [True, True]
    assert _score(checkpoint, folder / "a.wav", folder / "f.opus", folder / "b.flac", "--out", out, "--resume") == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["path"].split("/")[-1] for row in rows] == ["a.wav", "b.flac", "f.opus"]
    assert [json.loads(row["flags"]) for row in rows] == [["too_short"], [], ["too_short"]]
    assert "2 skipped" in capsys.readouterr().err


def test_paths_from_stdin_and_per_channel(tmp_path, folder, checkpoint, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{folder / 'b.flac'}\n{folder / 'deep'}\n"))
    out = tmp_path / "scores.jsonl"
    assert _score(checkpoint, "-", "--out", out, "--per-channel", "--overlap", "0") == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["path"].split("/")[-1], r["channel"]) for r in records] == [("b.flac", 0), ("b.flac", 1), ("h.flac", 0)]


def _one_line_error(capsys) -> str:
    """The command's stderr, checked to be a single error line without a traceback."""
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("asdf score: error: ") and "Traceback" not in lines[0]
    return lines[0]


def test_summary_counts_and_resume_retries_the_files_that_failed(tmp_path, folder, checkpoint, capsys):
    out, late = tmp_path / "scores.jsonl", tmp_path / "late.flac"
    soundfile.write(tmp_path / "zeros.wav", np.zeros(16000, np.float32), 16000)
    paths = [folder / "b.flac", folder / "text.wav", late, tmp_path / "zeros.wav"]
    assert _score(checkpoint, *paths, "--out", out, "--overlap", "0") == FAILED_FILES_EXIT
    assert capsys.readouterr().err.endswith("asdf score: 2 files scored, 2 failed, 1 undecided\n")
    scored_lines = [line for line in out.read_text().splitlines(keepends=True) if '"error": null' in line]

    shutil.copy(folder / "b.flac", late)  # the missing file arrives; text.wav is still not audio
    assert _score(checkpoint, *paths, "--out", out, "--resume", "--overlap", "0") == FAILED_FILES_EXIT
    assert capsys.readouterr().err.endswith("asdf score: 1 files scored, 1 failed, 0 undecided, "
                                            f"2 skipped (already in {out})\n")
    lines = out.read_text().splitlines(keepends=True)
    assert lines[:2] == scored_lines  # kept byte for byte, the failures dropped and retried
    assert [(json.loads(line)["path"], json.loads(line)["error"] is None) for line in lines[2:]] == [
        (str(folder / "text.wav"), False), (str(late), True)]

    (folder / "text.wav").unlink()
    assert _score(checkpoint, folder / "b.flac", late, tmp_path / "zeros.wav", "--out", out, "--resume") == 0
    assert "asdf score: 0 files scored, 0 failed, 0 undecided, 3 skipped" in capsys.readouterr().err


def test_nan_samples_are_an_error_and_the_output_stays_valid_json(tmp_path, checkpoint, capsys):
    samples = np.sin(np.arange(16000, dtype=np.float32) / 10)
    samples[5000] = np.nan
    soundfile.write(tmp_path / "nan.wav", samples, 16000, subtype="FLOAT")
    assert _score(checkpoint, tmp_path / "nan.wav") == FAILED_FILES_EXIT
    line = capsys.readouterr().out

    def refuse(constant):
        raise AssertionError(f"{constant} is not JSON")

    record = json.loads(line, parse_constant=refuse)
    assert record["error"] == f"{tmp_path / 'nan.wav'}: contains NaN or infinite samples" and record["score"] is None


def test_an_empty_folder_is_a_usage_error(tmp_path, checkpoint, capsys):
    (tmp_path / "calls").mkdir()
    (tmp_path / "calls" / "notes.txt").write_text("no audio here")
    assert _score(checkpoint, tmp_path / "calls", "--extensions", "wav,flac") == USER_ERROR_EXIT
    assert _one_line_error(capsys).endswith(f"no audio files to score in {tmp_path / 'calls'}: no files with the "
                                            "extensions .wav .flac (searched recursively; --extensions sets them)")


@pytest.mark.parametrize("model, expected", [
    ("y.wav", "y.wav is not a PyTorch checkpoint (expected a .pt/.pth file saved by torch.save"),
    ("y.pt", "y.pt is not a PyTorch checkpoint"),
    ("y.ts", "y.ts is not a TorchScript file"),
    ("y.onnx", "y.onnx is not an ONNX model that onnxruntime can run"),
    ("absent.pt", "absent.pt: no such model file, and not one of the model names asdf-open, asdf-open-v1, "
                  "asdf-open-v2, aasist-official"),
])
def test_a_model_file_that_is_not_a_model_is_named_in_one_line(tmp_path, folder, capsys, model, expected):
    if model != "absent.pt":
        shutil.copy(folder / "b.flac", tmp_path / model)
    assert _score(tmp_path / model, folder / "b.flac") == USER_ERROR_EXIT
    assert expected in _one_line_error(capsys)


@pytest.mark.parametrize("content, expected", [
    ("not json", "is not a calibration.json written by `asdf evaluate --calibrate-on` (Expecting value"),
    ('{"type": "linear_logistic_regression", "scale": 1, "offset": 0, "prior": 0}', "a prior between 0 and 1"),
    (None, "no such file (expected a calibration.json"),
])
def test_a_bad_calibration_file_is_named_in_one_line(tmp_path, folder, checkpoint, capsys, content, expected):
    calibration = tmp_path / "calibration.json"
    if content is not None:
        calibration.write_text(content)
    assert _score(checkpoint, folder / "b.flac", "--calibration", calibration) == USER_ERROR_EXIT
    message = _one_line_error(capsys)
    assert str(calibration) in message and expected in message


def test_results_that_cannot_be_written_stop_with_one_line(tmp_path, folder, checkpoint, capsys):
    assert _score(checkpoint, folder / "b.flac", "--out", "/dev/full", "--overlap", "0") == USER_ERROR_EXIT
    assert _one_line_error(capsys) == "asdf score: error: cannot write /dev/full: no space left on the device"
    (tmp_path / "file").write_text("")
    assert _score(checkpoint, folder / "b.flac", "--out", tmp_path / "file" / "scores.jsonl") == USER_ERROR_EXIT
    assert _one_line_error(capsys).startswith(f"asdf score: error: cannot create the folder {tmp_path / 'file'}: ")
