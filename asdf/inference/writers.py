"""Result files of `asdf score`, JSON Lines or CSV, written one file's records at a time.

Each finished file is flushed at once, so an interrupted batch keeps what was done; with `resume` the
paths already in the file are skipped and a half-written last line (from a kill mid-write) is dropped.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TextIO

from asdf.errors import ConfigError
from asdf.inference.records import RECORD_FIELDS

FORMATS = ("jsonl", "csv")
LIST_FIELDS = ("window_starts_s", "window_scores")  # JSON-encoded inside a CSV cell


def format_for(path: Path | None, requested: str | None) -> str:
    """The requested format, else the one the file name implies (.csv: CSV, anything else: JSON Lines)."""
    if requested:
        return requested
    return "csv" if path is not None and path.suffix.lower() == ".csv" else "jsonl"


class ResultWriter:
    """Appends records to a stream; `done` holds the paths a resumed file already has."""

    def __init__(self, stream: TextIO, fmt: str, done: set[str], write_header: bool) -> None:
        self.stream, self.fmt, self.done = stream, fmt, done
        self.csv = csv.DictWriter(stream, RECORD_FIELDS) if fmt == "csv" else None
        if self.csv is not None and write_header:
            self.csv.writeheader()

    def write(self, records: list[dict]) -> None:
        """Write one file's records and flush."""
        for record in records:
            if self.csv is None:
                self.stream.write(json.dumps(record) + "\n")
            else:
                self.csv.writerow({k: json.dumps(v) if k in LIST_FIELDS else v for k, v in record.items()})
        self.stream.flush()

    def close(self) -> None:
        """Close the stream unless it is stdout."""
        if self.stream is not sys.stdout:
            self.stream.close()


def open_writer(path: Path | None, fmt: str, resume: bool = False, force: bool = False) -> ResultWriter:
    """A writer to `path` (stdout when None), refusing to overwrite results unless `force`."""
    if path is None:
        if resume:
            raise ConfigError("--resume needs --out: the results file to continue")
        return ResultWriter(sys.stdout, fmt, set(), write_header=True)
    if path.exists() and path.stat().st_size and resume:
        _drop_partial_line(path)
        return ResultWriter(path.open("a", encoding="utf-8", newline=""), fmt, _done_paths(path, fmt), False)
    if path.exists() and path.stat().st_size and not force:
        raise ConfigError(f"{path} exists: pass --resume to continue it or --force to overwrite it")
    path.parent.mkdir(parents=True, exist_ok=True)
    return ResultWriter(path.open("w", encoding="utf-8", newline=""), fmt, set(), write_header=True)


def _drop_partial_line(path: Path) -> None:
    """Cut the file after its last newline: a line without one was cut short by an interruption."""
    content = path.read_bytes()
    if not content.endswith(b"\n"):
        with path.open("r+b") as handle:
            handle.truncate(content.rfind(b"\n") + 1)


def _done_paths(path: Path, fmt: str) -> set[str]:
    """Paths that have a record in an existing results file."""
    text = path.read_text(encoding="utf-8")
    if fmt == "csv":
        return {row["path"] for row in csv.DictReader(io.StringIO(text))}
    return {json.loads(line)["path"] for line in text.splitlines() if line.strip()}
