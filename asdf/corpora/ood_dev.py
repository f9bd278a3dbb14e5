"""The out-of-domain evaluation set of the shared data (ood-dev/manifest.csv: path,label,system,group,...)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.corpora.common import CORPUS_COLUMNS, require_file, unknown_list
from asdf.data.protocols import CM_KEYS, ProtocolError

ARCHIVE = "the shared data folder (README.md there: ood-dev/)"
LIST_NAME = "eval"  # the whole manifest is one evaluation list: never train or calibrate on it
MANIFEST_COLUMNS = ("path", "label", "system", "group")


class OodDev:
    """One list, 'eval': every file of manifest.csv in order; `attack` is its system, `group` its source."""

    list_names = (LIST_NAME,)

    def __init__(self, root: Path, setting: str = "paths.ood_dev") -> None:
        self.root, self.setting = root, setting

    def manifest_path(self) -> Path:
        """The manifest."""
        return self.root / "manifest.csv"

    def utterances(self, list_name: str) -> pd.DataFrame:
        """utt_id (path without extension), path, speaker ('-'), attack (system; '-' for bona fide), key, group."""
        if list_name != LIST_NAME:
            raise unknown_list("ood-dev", list_name, self.list_names)
        path = require_file(self.manifest_path(), "ood-dev manifest.csv", ARCHIVE, self.setting)
        manifest = pd.read_csv(path, dtype=str, keep_default_na=False)
        missing = [column for column in MANIFEST_COLUMNS if column not in manifest.columns]
        if missing:
            raise ProtocolError(f"{path}:1: missing columns {missing}; expected {', '.join(MANIFEST_COLUMNS)}, ...")
        unknown = manifest[~manifest["label"].isin(CM_KEYS)]
        if len(unknown):
            # line numbers count the header as line 1
            raise ProtocolError(f"{path}:{unknown.index[0] + 2}: label {unknown['label'].iloc[0]!r} is not one of "
                                f"{', '.join(CM_KEYS)}")
        table = pd.DataFrame({
            "utt_id": [str(Path(name).with_suffix("")) for name in manifest["path"]],
            "path": [str(self.root / name) for name in manifest["path"]],
            "speaker": "-", "attack": manifest["system"], "key": manifest["label"], "group": manifest["group"],
        })
        return table[CORPUS_COLUMNS + ["group"]]

    def asv_scores(self, list_name: str) -> None:
        """ood-dev has no ASV scores."""
        return None
