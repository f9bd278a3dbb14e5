"""ASVspoof 2021 LA and DF evaluation data: flac folders and the CM keys with their condition columns."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.corpora.common import require_file, require_folder, unknown_list, with_paths
from asdf.data.protocols import read_trial_metadata_2021_df, read_trial_metadata_2021_la

_TRACKS = {
    "LA": (read_trial_metadata_2021_la, "ASVspoof2021_LA_eval.tar.gz (https://zenodo.org/record/4837263)",
           "LA-keys-full.tar.gz (https://www.asvspoof.org/index2021.html)"),
    "DF": (read_trial_metadata_2021_df, "ASVspoof2021_DF_eval_part00.tar.gz to part03 (https://zenodo.org/record/4835108)",
           "DF-keys-full.tar.gz (https://www.asvspoof.org/index2021.html)"),
}
ALL_TRIALS = "all"  # the list of every trial in the key; other list names select the key's SUBSET column


class ASVspoof2021:
    """One track (LA or DF): list 'eval' is the official evaluation subset, 'progress' and 'all' also exist."""

    def __init__(self, root: Path, track: str, setting: str) -> None:
        self.root, self.track, self.setting = root, track, setting
        self.read_key, self.audio_archive, self.key_archive = _TRACKS[track]

    def key_path(self) -> Path:
        """The CM key with the condition columns."""
        return self.root / "keys" / self.track / "CM" / "trial_metadata.txt"

    def audio_folder(self) -> Path:
        """The folder of the evaluation flac files."""
        return self.root / f"ASVspoof2021_{self.track}_eval" / "flac"

    def utterances(self, list_name: str) -> pd.DataFrame:
        """utt_id, path, speaker, attack, key and the key's condition columns of a subset, in key order."""
        key = self.read_key(require_file(self.key_path(), f"ASVspoof 2021 {self.track} CM key",
                                         self.key_archive, self.setting))
        folder = require_folder(self.audio_folder(), f"ASVspoof 2021 {self.track} audio", self.audio_archive,
                                self.setting)
        if list_name != ALL_TRIALS:
            subsets = list(dict.fromkeys(key["subset"]))
            if list_name not in subsets:
                raise unknown_list(f"ASVspoof 2021 {self.track} ({self.key_path()})", list_name,
                                   [*subsets, ALL_TRIALS])
            key = key[key["subset"] == list_name]
        return with_paths(key.reset_index(drop=True), folder, ".flac")

    def asv_scores(self, list_name: str) -> None:
        """The 2021 CM keys come without ASV scores in the 2019 format."""
        return None
