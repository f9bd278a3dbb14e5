"""Result files: atomic, readable as the umask allows, and a failed write is one OutputError that keeps the old file."""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from asdf.base import fileio
from asdf.base.errors import OutputError
from asdf.base.logs import log_to_file, setup_logging
from tests.conftest import REPO_ROOT


@pytest.mark.parametrize(("umask", "mode"), [(0o002, 0o664), (0o022, 0o644), (0o077, 0o600)])
def test_written_files_get_the_mode_the_umask_allows(tmp_path: Path, umask: int, mode: int):
    target = tmp_path / "results.json"
    code = f"import os; os.umask({umask}); from asdf.base.fileio import atomic_write_json; atomic_write_json({str(target)!r}, {{}})"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=REPO_ROOT)
    assert stat.S_IMODE(target.stat().st_mode) == mode


@pytest.mark.parametrize(("code", "cause"), [(errno.ENOSPC, "no space left on the device"),
                                             (errno.EROFS, "the file system is read-only"),
                                             (errno.EACCES, "permission denied")])
def test_a_failed_write_names_file_and_cause_and_keeps_the_old_file(tmp_path: Path, monkeypatch, code, cause):
    target = tmp_path / "scores.txt"
    fileio.atomic_write_text(target, "old\n")

    def failing_replace(source, destination):
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(fileio.os, "replace", failing_replace)
    with pytest.raises(OutputError) as caught:
        fileio.atomic_write_text(target, "new\n")
    assert str(caught.value) == f"cannot write {target}: {cause}"
    assert target.read_text() == "old\n" and [path.name for path in tmp_path.iterdir()] == ["scores.txt"]


def test_a_folder_under_a_file_cannot_be_made_and_says_why(tmp_path: Path):
    (tmp_path / "plain-file").write_text("")
    with pytest.raises(OutputError, match="cannot create the folder .*plain-file/out: a part of the path is a file"):
        fileio.atomic_write_text(tmp_path / "plain-file" / "out" / "x.txt", "")


def test_json_is_valid_even_with_non_finite_numbers(tmp_path: Path):
    fileio.atomic_write_json(tmp_path / "r.json", {"eer": math.nan, "scores": [1.0, math.inf, -math.inf]})
    assert json.loads((tmp_path / "r.json").read_text(), parse_constant=pytest.fail) == {
        "eer": "nan", "scores": [1.0, "inf", "-inf"]}


def test_writes_are_retried_until_they_succeed_or_time_runs_out(monkeypatch):
    attempts = []

    def full_twice():
        attempts.append(1)
        if len(attempts) < 3:
            raise OutputError("cannot write x: no space left on the device")

    def always_full():
        raise OutputError("cannot write x: no space left on the device")

    monkeypatch.setattr(fileio.time, "sleep", lambda seconds: None)
    fileio.retry_writes(full_twice, "epoch 4", patience_s=10)
    assert len(attempts) == 3
    with pytest.raises(OutputError, match="^cannot write x: no space left on the device; epoch 4 was not saved$"):
        fileio.retry_writes(always_full, "epoch 4", patience_s=0)


def test_a_log_file_that_cannot_be_written_says_so_once(tmp_path: Path, capsys):
    setup_logging()
    log = logging.getLogger("asdf.test")
    with log_to_file(tmp_path / "stage.log"):
        handler = next(h for h in logging.getLogger("asdf").handlers if getattr(h, "baseFilename", None))
        handler.stream.close()  # as when the disk is gone: every write now fails
        handler.stream = open(tmp_path / "stage.log", "rb")  # noqa: SIM115 -- writes to it raise OSError
        log.info("first record")
        log.info("second record")
    output = capsys.readouterr()
    assert output.out.count("cannot write the log file") == 1 and "second record" in output.out
    assert "Logging error" not in output.err + output.out
