"""ASVspoof 2019 LA in its official layout: CM protocols, flac folders and ASV scores."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.base.errors import DataError
from asdf.data.protocols import read_asv_scores_2019, read_cm_protocol_2019

ARCHIVE = "LA.zip (ASVspoof 2019 LA, https://doi.org/10.7488/ds/2555)"
_SPLITS = {"train": ("train.trn", "T"), "dev": ("dev.trl", "D"), "eval": ("eval.trl", "E")}


class ASVspoof2019LA:
    """Lists train/dev/eval of a folder that contains `LA/` as distributed."""

    list_names = tuple(_SPLITS)

    def __init__(self, root: Path, setting: str = "paths.asvspoof2019_la") -> None:
        self.root = root
        self.setting = setting

    def protocol_path(self, list_name: str) -> Path:
        """The CM protocol of a list."""
        suffix, _ = self._split(list_name)
        return self.root / "LA" / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{suffix}.txt"

    def audio_folder(self, list_name: str) -> Path:
        """The flac folder of a list."""
        self._split(list_name)
        return self.root / "LA" / f"ASVspoof2019_LA_{list_name}" / "flac"

    def asv_scores_path(self, list_name: str) -> Path:
        """The organisers' ASV scores of a list (dev and eval only)."""
        return self.root / "LA" / "ASVspoof2019_LA_asv_scores" / f"ASVspoof2019.LA.asv.{list_name}.gi.trl.scores.txt"

    def utterances(self, list_name: str) -> pd.DataFrame:
        """Columns utt_id, path, speaker, attack, key ('bonafide'/'spoof') of a list, in protocol order."""
        protocol = self.protocol_path(list_name)
        if not protocol.is_file():
            raise DataError(
                f"protocol of list {list_name!r} not found: expected {protocol} (from {ARCHIVE}); "
                f"set {self.setting} to the folder that contains LA/"
            )
        table = read_cm_protocol_2019(protocol)
        folder = self.audio_folder(list_name)
        table["path"] = [str(folder / f"{utt_id}.flac") for utt_id in table["utt_id"]]
        return table[["utt_id", "path", "speaker", "attack", "key"]]

    def asv_scores(self, list_name: str) -> pd.DataFrame | None:
        """ASV scores (columns source, key, score) of a list, or None where the corpus has none."""
        path = self.asv_scores_path(list_name)
        return read_asv_scores_2019(path) if path.is_file() else None

    @staticmethod
    def _split(list_name: str) -> tuple[str, str]:
        """Protocol suffix and id letter of a list name."""
        if list_name not in _SPLITS:
            raise DataError(f"ASVspoof 2019 LA has lists {tuple(_SPLITS)}, not {list_name!r}")
        return _SPLITS[list_name]
