"""What every corpus reader shares: the columns it returns and the messages for missing files or lists."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.base.errors import DataError

CORPUS_COLUMNS = ["utt_id", "path", "speaker", "attack", "key"]


def require_file(path: Path, what: str, archive: str, setting: str) -> Path:
    """`path` when it is a file; otherwise a DataError naming the exact path, its archive and the setting."""
    if not path.is_file():
        raise DataError(f"{what} not found: expected {path} (from {archive}); set {setting} to the folder "
                        f"that contains it as unpacked")
    return path


def require_folder(path: Path, what: str, archive: str, setting: str) -> Path:
    """`path` when it is a folder; otherwise a DataError naming it, its archive and the setting."""
    if not path.is_dir():
        raise DataError(f"{what} not found: expected the folder {path} (from {archive}); set {setting} to the "
                        f"folder that contains it as unpacked")
    return path


def unknown_list(corpus: str, list_name: str, known) -> DataError:
    """The error for a list name a corpus does not have."""
    return DataError(f"{corpus} has lists {', '.join(known)}, not {list_name!r}")


def with_paths(table: pd.DataFrame, folder: Path, suffix: str) -> pd.DataFrame:
    """The table with a `path` column (folder/<utt_id><suffix>), standard columns first, extras after."""
    table = table.copy()
    table["path"] = [str(folder / f"{utt_id}{suffix}") for utt_id in table["utt_id"]]
    extras = [column for column in table.columns if column not in CORPUS_COLUMNS]
    return table[CORPUS_COLUMNS + extras]
