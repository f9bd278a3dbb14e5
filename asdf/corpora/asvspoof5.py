"""ASVspoof 5 track 1: flac_T/, flac_D/, flac_E_eval/ and the space-separated `.tsv` protocols."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.corpora.common import require_file, require_folder, unknown_list, with_paths
from asdf.data.protocols import read_protocol_asvspoof5

AUDIO_ARCHIVES = "flac_{letter}_a?.tar (ASVspoof 5, https://zenodo.org/records/14498691)"
PROTOCOL_ARCHIVE = "ASVspoof5_protocols.tar.gz (ASVspoof 5, https://zenodo.org/records/14498691)"
PROTOCOL_FOLDER = "ASVspoof5_protocols"  # as the protocol archive unpacks; the root itself is accepted too
_SPLITS = {
    "train": ("ASVspoof5.train.tsv", "flac_T", "T"),
    "dev": ("ASVspoof5.dev.track_1.tsv", "flac_D", "D"),
    "eval": ("ASVspoof5.eval.track_1.tsv", "flac_E_eval", "E"),
}


class ASVspoof5:
    """Lists train, dev and eval (track 1) of a folder holding the unpacked ASVspoof 5 archives."""

    list_names = tuple(_SPLITS)

    def __init__(self, root: Path, setting: str = "paths.asvspoof5") -> None:
        self.root, self.setting = root, setting

    def protocol_path(self, list_name: str) -> Path:
        """The protocol of a list: under ASVspoof5_protocols/, or directly in the root."""
        name = self._split(list_name)[0]
        in_root = self.root / name
        return in_root if in_root.is_file() else self.root / PROTOCOL_FOLDER / name

    def utterances(self, list_name: str) -> pd.DataFrame:
        """utt_id, path, speaker, attack, key and the codec columns of a list, in protocol order."""
        _, folder_name, letter = self._split(list_name)
        protocol = require_file(self.protocol_path(list_name), f"ASVspoof 5 protocol of list {list_name!r}",
                                PROTOCOL_ARCHIVE, self.setting)
        folder = require_folder(self.root / folder_name, f"ASVspoof 5 {list_name} audio",
                                AUDIO_ARCHIVES.format(letter=letter), self.setting)
        table = read_protocol_asvspoof5(protocol).drop(columns="unused")
        return with_paths(table, folder, ".flac")

    def asv_scores(self, list_name: str) -> None:
        """ASV scores of ASVspoof 5 are not in the 2019 format; t-DCF is left out."""
        return None

    def _split(self, list_name: str) -> tuple[str, str, str]:
        """Protocol name, audio folder and archive letter of a list."""
        if list_name not in _SPLITS:
            raise unknown_list("ASVspoof 5", list_name, _SPLITS)
        return _SPLITS[list_name]
