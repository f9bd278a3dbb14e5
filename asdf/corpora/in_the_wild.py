"""In-the-Wild (Müller et al. 2022): release_in_the_wild/<n>.wav and meta.csv (`file,speaker,label`)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.corpora.common import CORPUS_COLUMNS, require_file, unknown_list
from asdf.data.protocols import read_in_the_wild_meta

ARCHIVE = "release_in_the_wild.zip (https://deepfake-total.com/in_the_wild)"
LIST_NAME = "eval"  # the whole corpus is one evaluation list


class InTheWild:
    """One list, 'eval': every file of meta.csv, in its order."""

    list_names = (LIST_NAME,)

    def __init__(self, root: Path, setting: str = "paths.in_the_wild") -> None:
        self.root, self.setting = root, setting

    def meta_path(self) -> Path:
        """The labels file."""
        return self.root / "release_in_the_wild" / "meta.csv"

    def utterances(self, list_name: str) -> pd.DataFrame:
        """utt_id (file name without .wav), path, speaker, attack ('-'), key."""
        if list_name != LIST_NAME:
            raise unknown_list("In-the-Wild", list_name, self.list_names)
        meta = read_in_the_wild_meta(require_file(self.meta_path(), "In-the-Wild meta.csv", ARCHIVE, self.setting))
        meta["path"] = [str(self.meta_path().parent / name) for name in meta["file"]]
        return meta[CORPUS_COLUMNS]

    def asv_scores(self, list_name: str) -> None:
        """In-the-Wild has no ASV scores."""
        return None
