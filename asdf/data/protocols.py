"""Read ASVspoof / In-the-Wild protocol and key files into DataFrames with normalised columns.

Every CM reader returns at least `speaker, utt_id, attack, key` (key is 'bonafide' or 'spoof'),
followed by the format's own extra columns in lower case.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Sequence

import numpy as np
import pandas as pd

from asdf.base.errors import DataError

NORMALISED_COLUMNS = ["speaker", "utt_id", "attack", "key"]
CM_KEYS = ("bonafide", "spoof")
ASV_KEYS = ("target", "nontarget", "spoof")

CM_2019_COLUMNS = ["speaker", "utt_id", "environment", "attack", "key"]
LA_2021_COLUMNS = ["speaker", "utt_id", "codec", "transmission", "attack", "key", "trim", "subset"]
DF_2021_COLUMNS = [
    "speaker", "utt_id", "compression", "source", "attack", "key", "trim", "subset",
    "vocoder", "task", "team", "gender_pair", "language",
]
ASVSPOOF5_COLUMNS = [
    "speaker", "utt_id", "gender", "codec", "codec_q", "codec_seed", "attack_tag", "attack", "key", "unused",
]


class ProtocolError(DataError, ValueError):
    """A protocol, key or score file that does not have the expected layout."""


def _split_lines(path: Path, n_columns: int, expected: str) -> tuple[list[list[str]], list[int]]:
    """Whitespace-split the non-blank lines of `path` into `n_columns` fields each; also their line numbers."""
    rows, line_numbers = [], []
    with open(path, encoding="utf-8") as lines:
        for line_number, line in enumerate(lines, start=1):
            fields = line.split()
            if not fields:
                continue
            if len(fields) != n_columns:
                raise ProtocolError(
                    f"{path}:{line_number}: expected {n_columns} columns ({expected}), "
                    f"found {len(fields)}: {line.strip()!r}"
                )
            rows.append(fields)
            line_numbers.append(line_number)
    if not rows:
        raise ProtocolError(f"{path}: no entries (expected lines of {expected})")
    return rows, line_numbers


def _with_origin(frame: pd.DataFrame, path: Path, line_numbers: list[int]) -> pd.DataFrame:
    """Remember the file and each row's line number (frame.attrs), so later errors can name the line."""
    frame.attrs["source"] = str(path)
    frame.attrs["line_numbers"] = line_numbers
    return frame


def line_of(frame: pd.DataFrame, position: int) -> str:
    """'file:line' of the row at `position` of a frame read here, or 'row N' when unknown."""
    line_numbers = frame.attrs.get("line_numbers")
    if line_numbers is None or len(line_numbers) != len(frame):
        return f"row {position + 1}"
    return f"{frame.attrs['source']}:{line_numbers[position]}"


def _check_values(frame: pd.DataFrame, column: str, allowed: Sequence[str]) -> None:
    """Refuse a value of `column` outside `allowed`, naming the first offending line."""
    bad = ~frame[column].isin(allowed)
    if bad.any():
        position = int(bad.to_numpy().nonzero()[0][0])
        raise ProtocolError(
            f"{line_of(frame, position)}: {column} {frame[column].iloc[position]!r} is not one of {', '.join(allowed)}"
        )


def _read_whitespace_cm(path: str | os.PathLike, columns: list[str]) -> pd.DataFrame:
    """Read a space-separated CM protocol with the given column names and normalise the column order."""
    path = Path(path)
    expected = " ".join(name.upper() for name in columns)
    rows, line_numbers = _split_lines(path, len(columns), expected)
    extra = [name for name in columns if name not in NORMALISED_COLUMNS]
    frame = _with_origin(pd.DataFrame(rows, columns=columns)[NORMALISED_COLUMNS + extra], path, line_numbers)
    _check_values(frame, "key", CM_KEYS)
    return frame


def read_cm_protocol_2019(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ASVspoof 2019 LA/PA CM protocol (`SPEAKER UTT - SYSTEM KEY`); attack is '-' for bona fide."""
    return _read_whitespace_cm(path, CM_2019_COLUMNS)


def read_trial_metadata_2021_la(path: str | os.PathLike) -> pd.DataFrame:
    """Read the ASVspoof 2021 LA CM key `trial_metadata.txt` (8 columns)."""
    return _read_whitespace_cm(path, LA_2021_COLUMNS)


def read_trial_metadata_2021_df(path: str | os.PathLike) -> pd.DataFrame:
    """Read the ASVspoof 2021 DF CM key `trial_metadata.txt` (13 columns)."""
    return _read_whitespace_cm(path, DF_2021_COLUMNS)


def read_protocol_asvspoof5(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ASVspoof 5 protocol (`*.tsv`, space separated despite the name, 10 columns)."""
    return _read_whitespace_cm(path, ASVSPOOF5_COLUMNS)


def read_in_the_wild_meta(path: str | os.PathLike) -> pd.DataFrame:
    """Read In-the-Wild `meta.csv` (`file,speaker,label`); utt_id is the file name without extension."""
    path = Path(path)
    with open(path, encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    if not rows or [name.strip() for name in rows[0]] != ["file", "speaker", "label"]:
        raise ProtocolError(f"{path}:1: expected the header 'file,speaker,label'")
    records, line_numbers = [], []
    for line_number, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != 3:
            raise ProtocolError(f"{path}:{line_number}: expected 3 comma-separated fields (file,speaker,label)")
        file_name, speaker, label = (field.strip() for field in row)
        if label not in ("bona-fide", "spoof"):
            raise ProtocolError(f"{path}:{line_number}: label {label!r} is not one of bona-fide, spoof")
        key = "bonafide" if label == "bona-fide" else "spoof"
        records.append((speaker, Path(file_name).stem, "-", key, file_name))
        line_numbers.append(line_number)
    return _with_origin(pd.DataFrame(records, columns=NORMALISED_COLUMNS + ["file"]), path, line_numbers)


def read_asv_scores_2019(path: str | os.PathLike) -> pd.DataFrame:
    """Read an ASVspoof 2019 ASV score file (`SOURCE KEY SCORE`) -> DataFrame `source, key, score`."""
    path = Path(path)
    rows, line_numbers = _split_lines(path, 3, "SOURCE KEY SCORE")
    frame = _with_origin(pd.DataFrame(rows, columns=["source", "key", "score"]), path, line_numbers)
    _check_values(frame, "key", ASV_KEYS)
    scores = pd.to_numeric(frame["score"], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(scores).all():
        position = int(np.flatnonzero(~np.isfinite(scores))[0])
        raise ProtocolError(f"{line_of(frame, position)}: score {frame['score'].iloc[position]!r} is not a finite number")
    frame["score"] = scores
    return frame


PROTOCOL_READERS = {
    "asvspoof2019": read_cm_protocol_2019,
    "asvspoof2021_la": read_trial_metadata_2021_la,
    "asvspoof2021_df": read_trial_metadata_2021_df,
    "asvspoof5": read_protocol_asvspoof5,
    "in_the_wild": read_in_the_wild_meta,
}


def detect_protocol_format(path: str | os.PathLike) -> str:
    """Guess a protocol's format from its first line (column count, or the In-the-Wild CSV header)."""
    path = Path(path)
    with open(path, encoding="utf-8") as handle:
        first_line = next((line for line in handle if line.strip()), "")
    if first_line.strip().startswith("file,"):
        return "in_the_wild"
    by_columns = {5: "asvspoof2019", 8: "asvspoof2021_la", 13: "asvspoof2021_df", 10: "asvspoof5"}
    n_columns = len(first_line.split())
    if n_columns not in by_columns:
        raise ProtocolError(f"{path}:1: cannot tell the protocol format from a line of {n_columns} columns")
    return by_columns[n_columns]


def read_protocol(path: str | os.PathLike, fmt: str = "auto") -> pd.DataFrame:
    """Read any supported protocol; `fmt` is one of PROTOCOL_READERS or 'auto'."""
    if fmt == "auto":
        fmt = detect_protocol_format(path)
    if fmt not in PROTOCOL_READERS:
        raise ProtocolError(f"unknown protocol format {fmt!r}; expected one of {', '.join(PROTOCOL_READERS)} or auto")
    return PROTOCOL_READERS[fmt](path)
