"""Utterance lists as tab-separated tables: the contract between sad-off and the later stages."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.base.errors import DataError
from asdf.base.fileio import atomic_path

LIST_COLUMNS = ["utt_id", "path", "speaker", "attack", "key", "num_samples"]


def write_table(path: Path, table: pd.DataFrame) -> None:
    """Write a table as TSV atomically."""
    with atomic_path(path) as temporary:
        table.to_csv(temporary, sep="\t", index=False)


def read_table(path: Path, producer: str) -> pd.DataFrame:
    """Read a TSV table written by stage `producer`; a missing file says which stage makes it."""
    if not path.is_file():
        raise DataError(f"{path} not found: run the {producer} stage first")
    return pd.read_csv(path, sep="\t", dtype=str, keep_default_na=False)


def read_utterance_list(path: Path) -> pd.DataFrame:
    """An utterance list with lengths (columns LIST_COLUMNS)."""
    table = read_table(path, "sad-off")
    missing = [column for column in LIST_COLUMNS if column not in table.columns]
    if missing:
        raise DataError(f"{path}: missing columns {missing}; expected {LIST_COLUMNS}")
    table["num_samples"] = table["num_samples"].astype(int)
    return table
