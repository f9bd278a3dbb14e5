"""Result files: JSON Lines and CSV, flushed per file, resumed after an interruption, never overwritten by accident."""

from __future__ import annotations

import csv
import errno
import io
import json

import pytest

from asdf.base.errors import ConfigError, DataError, OutputError
from asdf.inference.file_records import error_record
from asdf.inference.inputs import expand_inputs
from asdf.inference.writers import format_for, open_writer


def _record(path: str) -> dict:
    record = error_record(path, "x")
    record.update(error=None, score=1.5, window_starts_s=[0.0, 2.0], window_scores=[1.0, 2.0])
    return record


def _write(path, records) -> bytes:
    writer = open_writer(path, format_for(path, None), force=True)
    for record in records:
        writer.write([record])
    writer.close()
    return path.read_bytes()


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


@pytest.mark.parametrize("name", ["out.jsonl", "out.csv"])
def test_resume_drops_failed_files_to_retry_them_and_keeps_the_rest_byte_for_byte(tmp_path, name):
    path = tmp_path / name
    good = [_record("a.wav"), _record("b\nc,d\".wav"), _record("e.wav")]  # a line break and quotes in a path
    before = _write(path, [good[0], error_record("x.wav", "x.wav: no such file"), good[1],
                           error_record("y.wav", "y.wav: truncated"), good[2]])
    expected = _write(tmp_path / f"expected.{name}", good)
    resumed = open_writer(path, format_for(path, None), resume=True)
    assert resumed.done == {"a.wav", "b\nc,d\".wav", "e.wav"}  # x.wav and y.wav are scored again
    resumed.close()
    assert path.read_bytes() == expected and len(expected) < len(before)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([name, f"expected.{name}"])  # no temporary left


def test_resuming_a_file_of_another_kind_is_refused(tmp_path):
    path = tmp_path / "out.jsonl"
    path.write_text("hello\n")
    with pytest.raises(ConfigError, match=r"out.jsonl:1: not a record of asdf score"):
        open_writer(path, "jsonl", resume=True)
    old_csv = tmp_path / "old.csv"
    old_csv.write_text("path,score\na.wav,1.0\n")
    with pytest.raises(ConfigError, match="old.csv: its columns are not those of this version"):
        open_writer(old_csv, "csv", resume=True)


def test_a_failed_write_names_the_file_and_keeps_what_was_written(tmp_path):
    path = tmp_path / "out.jsonl"
    writer = open_writer(path, "jsonl")
    writer.write([_record("a.wav")])

    def disk_full():
        raise OSError(errno.ENOSPC, "No space left on device")

    writer.stream.flush = disk_full
    with pytest.raises(OutputError, match=f"^cannot write {path}: no space left on the device$"):
        writer.write([_record("b.wav")])
    assert open_writer(path, "jsonl", resume=True).done == {"a.wav"}


def test_non_finite_numbers_are_never_written(tmp_path):
    record = _record("a.wav")
    record["score"] = float("nan")
    writer = open_writer(tmp_path / "out.csv", "csv")
    with pytest.raises(ValueError, match="not JSON compliant"):
        writer.write([record])
    writer.close()
    assert "nan" not in (tmp_path / "out.csv").read_text().lower()


def test_no_input_files_is_an_error_naming_the_folders_and_extensions(tmp_path):
    (tmp_path / "empty").mkdir()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("")
    with pytest.raises(DataError, match=rf"^no audio files to score in {tmp_path}/empty, {tmp_path}/other: no files "
                                        r"with the extensions \.wav \.flac \(searched recursively"):
        expand_inputs([str(tmp_path / "empty"), str(tmp_path / "other")], ["wav", "flac"])
    with pytest.raises(DataError, match="standard input listed no paths"):
        expand_inputs(["-"], stdin=io.StringIO("\n"))
