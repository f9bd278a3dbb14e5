"""`asdf score` end to end: a folder of every format, rate and layout plus broken files; outputs, plots, resume."""

from __future__ import annotations

import csv
import io
import json

import pytest

from asdf.cli import FAILED_FILES_EXIT, main
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
        assert isinstance(record["score"], float) and record["decision"] in ("bonafide", "spoof")
        assert len(record["window_scores"]) == len(record["window_starts_s"]) >= 1
    assert records[str(folder / "g.wav")]["window_starts_s"][-2:] == [4.5, 4.75]  # 5 s in 0.25 s windows


def test_csv_plots_and_resume(tmp_path, folder, checkpoint, capsys):
    out, plots = tmp_path / "scores.csv", tmp_path / "plots"
    assert _score(checkpoint, folder / "a.wav", folder / "b.flac", "--out", out, "--plot", plots) == 0
    assert sorted(p.stat().st_size > 20_000 for p in plots.iterdir()) == [True, True]
    assert _score(checkpoint, folder / "a.wav", folder / "f.opus", folder / "b.flac", "--out", out, "--resume") == 0
    rows = list(csv.DictReader(io.StringIO(out.read_text())))
    assert [row["path"].split("/")[-1] for row in rows] == ["a.wav", "b.flac", "f.opus"]
    assert "2 skipped" in capsys.readouterr().err


def test_paths_from_stdin_and_per_channel(tmp_path, folder, checkpoint, monkeypatch):
    monkeypatch.setattr("sys.stdin", io.StringIO(f"{folder / 'b.flac'}\n{folder / 'deep'}\n"))
    out = tmp_path / "scores.jsonl"
    assert _score(checkpoint, "-", "--out", out, "--per-channel", "--overlap", "0") == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(r["path"].split("/")[-1], r["channel"]) for r in records] == [("b.flac", 0), ("b.flac", 1), ("h.flac", 0)]
