"""Result files: JSON Lines and CSV, flushed per file, resumed after an interruption, never overwritten by accident."""

from __future__ import annotations

import csv
import io
import json

import pytest

from asdf.errors import ConfigError
from asdf.inference.inputs import expand_inputs
from asdf.inference.records import error_record
from asdf.inference.writers import format_for, open_writer


def _record(path: str) -> dict:
    record = error_record(path, "x")
    record.update(error=None, score=1.5, window_starts_s=[0.0, 2.0], window_scores=[1.0, 2.0])
    return record


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv"])
def test_resume_skips_written_files_and_drops_a_half_written_line(tmp_path, name):
    path = tmp_path / name
    writer = open_writer(path, format_for(path, None))
    writer.write([_record("a.wav")])
    writer.write([_record("b.wav")])
    writer.close()
    path.write_bytes(path.read_bytes() + b'{"path": "c.wa')  # killed in the middle of a line
    resumed = open_writer(path, format_for(path, None), resume=True)
    assert resumed.done == {"a.wav", "b.wav"}
    resumed.write([_record("c.wav")])
    resumed.close()
    text = path.read_text()
    if name.endswith(".csv"):
        rows = list(csv.DictReader(io.StringIO(text)))
        assert [r["path"] for r in rows] == ["a.wav", "b.wav", "c.wav"]
        assert json.loads(rows[2]["window_scores"]) == [1.0, 2.0]
    else:
        assert [json.loads(line)["path"] for line in text.splitlines()] == ["a.wav", "b.wav", "c.wav"]


def test_existing_results_are_not_overwritten_without_force(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text('{"path": "a.wav"}\n')
    with pytest.raises(ConfigError, match="--resume.*--force"):
        open_writer(path, "jsonl")
    open_writer(path, "jsonl", force=True).close()
    assert path.read_text() == ""


def test_inputs_folders_by_extension_files_as_given_and_stdin(tmp_path):
    (tmp_path / "sub").mkdir()
    for name in ["b.WAV", "sub/a.flac", "sub/notes.txt", "c.mp3"]:
        (tmp_path / name).write_bytes(b"")
    listed = io.StringIO(f"{tmp_path / 'sub'}\n\n{tmp_path / 'notes.txt'}\n")
    paths = expand_inputs([str(tmp_path), "-"], ["wav", "flac"], stdin=listed)
    names = [p[len(str(tmp_path)) + 1:] for p in paths]
    assert names == ["b.WAV", "sub/a.flac", "sub/a.flac", "notes.txt"]
