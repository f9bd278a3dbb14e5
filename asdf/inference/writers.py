"""Result files of `asdf score`, JSON Lines or CSV, written one file's records at a time.

Each finished file is flushed at once, so an interrupted batch keeps what was done. With `resume` the
paths already scored are skipped, while records of files that failed are dropped from the file (rewritten
atomically, the other records byte for byte) so that those files are tried again; a half-written last
line (from a kill mid-write) is dropped too. A failed write stops the batch with an OutputError naming
the file; what was flushed before stays.
"""

from __future__ import annotations

import csv
import io
import json
import os
import sys
from pathlib import Path
from typing import TextIO

from asdf.base.errors import ConfigError
from asdf.base.fileio import atomic_path, cannot_write, ensure_folder
from asdf.inference.file_records import RECORD_FIELDS

FORMATS = ("jsonl", "csv")
LIST_FIELDS = ("flags", "window_starts_s", "window_scores")  # JSON-encoded inside a CSV cell
STDOUT_NAME = "standard output"


def format_for(path: Path | None, requested: str | None) -> str:
    """The requested format, else the one the file name implies (.csv: CSV, anything else: JSON Lines)."""
    if requested:
        return requested
    return "csv" if path is not None and path.suffix.lower() == ".csv" else "jsonl"


class ResultWriter:
    """Appends records to a stream; `done` holds the paths a resumed file already has."""

    def __init__(self, stream: TextIO, fmt: str, done: set[str], write_header: bool, name: str = STDOUT_NAME) -> None:
        self.stream, self.fmt, self.done, self.name = stream, fmt, done, name
        self.csv = csv.DictWriter(stream, RECORD_FIELDS) if fmt == "csv" else None
        if self.csv is not None and write_header:
            self._guarded(self.csv.writeheader)

    def write(self, records: list[dict]) -> None:
        """Write one file's records and flush."""
        self._guarded(lambda: self._write(records))

    def _write(self, records: list[dict]) -> None:
        for record in records:
            line = json.dumps(record, allow_nan=False)  # NaN is not JSON: the pipeline turns it into an error first
            if self.csv is None:
                self.stream.write(line + "\n")
            else:
                self.csv.writerow({k: json.dumps(v) if k in LIST_FIELDS else v for k, v in record.items()})
        self.stream.flush()

    def close(self) -> None:
        """Close the stream unless it is stdout."""
        if self.stream is not sys.stdout:
            self._guarded(self.stream.close)

    def _guarded(self, write) -> None:
        """Run `write`; an OSError (disk full, read-only, closed pipe) becomes one OutputError naming the file."""
        try:
            write()
        except OSError as error:
            if self.stream is sys.stdout:  # nothing more can reach a closed pipe; spare the exit-time flush error
                os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
            raise cannot_write(self.name, error) from None


def open_writer(path: Path | None, fmt: str, resume: bool = False, force: bool = False) -> ResultWriter:
    """A writer to `path` (stdout when None), refusing to overwrite results unless `force`."""
    if path is None:
        if resume:
            raise ConfigError("--resume needs --out: the results file to continue")
        return ResultWriter(sys.stdout, fmt, set(), write_header=True)
    output_file(path, f"scores.{fmt}")
    has_results = path.exists() and path.stat().st_size > 0
    if has_results and resume:
        done = _keep_scored(path, fmt)
        return ResultWriter(_open(path, "a"), fmt, done, write_header=False, name=str(path))
    if has_results and not force:
        raise ConfigError(f"{path} exists: pass --resume to continue it or --force to overwrite it")
    return ResultWriter(_open(path, "w"), fmt, set(), write_header=True, name=str(path))


def output_file(path: Path, example_name: str) -> Path:
    """`path` as an --out file: refused when it is a folder; its folder is created."""
    if path.is_dir():
        raise ConfigError(f"--out {path} is a folder; give a file name, such as {path / example_name}")
    ensure_folder(path.parent)
    return path


def _open(path: Path, mode: str) -> TextIO:
    try:
        return path.open(mode, encoding="utf-8", newline="")
    except OSError as error:
        raise cannot_write(path, error) from None


def _keep_scored(path: Path, fmt: str) -> set[str]:
    """Drop the records of failed files and a half-written last line from a results file, rewriting it
    atomically when anything goes (the kept bytes unchanged); the paths it then holds."""
    try:
        content = path.read_bytes().decode("utf-8")
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a results file of asdf score (not UTF-8 text): cannot resume it") from None
    complete = content[: content.rfind("\n") + 1]  # a line without its newline was cut short by an interruption
    head, rows = _csv_rows(path, complete) if fmt == "csv" else ("", _jsonl_rows(path, complete))
    kept = [(text, record) for text, record in rows if not record.get("error")]
    if len(kept) < len(rows) or complete != content:
        with atomic_path(path) as temporary:
            temporary.write_bytes((head + "".join(text for text, _ in kept)).encode("utf-8"))
    return {record["path"] for _, record in kept}


def _lines(text: str) -> io.StringIO:
    """The lines of `text`, split after each newline only and unchanged (CSV rows end in CR LF)."""
    return io.StringIO(text, newline="\n")


def _jsonl_rows(path: Path, text: str) -> list[tuple[str, dict]]:
    """(line, record) of each non-blank line of a JSON Lines results file."""
    rows = []
    for number, line in enumerate(_lines(text), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except ValueError:
            record = None
        if not isinstance(record, dict) or "path" not in record:
            raise ConfigError(f"{path}:{number}: not a record of asdf score (JSON Lines): cannot resume this file")
        rows.append((line, record))
    return rows


def _csv_rows(path: Path, text: str) -> tuple[str, list[tuple[str, dict]]]:
    """(header line, [(row text, record)]) of a CSV results file; a row may span lines (a quoted line break)."""
    consumed = []

    def lines():
        for line in _lines(text):
            consumed.append(line)
            yield line

    reader = csv.reader(lines())
    header = next(reader, [])
    if header != list(RECORD_FIELDS):
        raise ConfigError(f"{path}: its columns are not those of this version of asdf score "
                          f"({','.join(RECORD_FIELDS)}): cannot resume it; score into a new file")
    head, rows = "".join(consumed), []
    consumed.clear()
    for row in reader:
        if row:
            rows.append(("".join(consumed), dict(zip(header, row))))
        consumed.clear()
    return head, rows
