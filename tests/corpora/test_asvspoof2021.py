"""ASVspoof 2021 LA and DF eval readers on miniatures in the official layout."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf.base.errors import DataError
from asdf.corpora.asvspoof2021 import ASVspoof2021
from tests.corpora.miniatures import write_lines, write_tone

LA_KEY = [
    "LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval",
    "LA_0012 LA_E_1000001 none - - bonafide notrim eval",
    "LA_0009 LA_E_8589971 alaw loc_tx A07 spoof notrim progress",
]
DF_KEY = [
    "LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress traditional_vocoder - - - -",
    "TEF2 DF_E_2000013 low_m4a vcc2020 Task1-team20 spoof notrim eval neural_vocoder Task1 team20 F-F eng",
    "VCC2TM2 DF_E_2000014 mp3m4a vcc2018 - bonafide notrim eval bonafide - - - -",
]


def make_track(root: Path, track: str, key: list[str]) -> Path:
    """keys/<track>/CM/trial_metadata.txt, ASVspoof2021_<track>_eval/flac/*.flac and the trial list."""
    write_lines(root / "keys" / track / "CM" / "trial_metadata.txt", key)
    trials = [line.split()[1] for line in key]
    for trial in trials:
        write_tone(root / f"ASVspoof2021_{track}_eval" / "flac" / f"{trial}.flac")
    write_lines(root / f"ASVspoof2021_{track}_eval" / f"ASVspoof2021.{track}.cm.eval.trl.txt", trials)
    return root


@pytest.mark.parametrize("track, key", [("LA", LA_KEY), ("DF", DF_KEY)])
def test_eval_subset_with_condition_columns(tmp_path, track, key):
    corpus = ASVspoof2021(make_track(tmp_path, track, key), track, "paths.x")
    table = corpus.utterances("eval")
    assert table["utt_id"].tolist() == [line.split()[1] for line in key if " eval" in line]
    assert list(table.columns[:5]) == ["utt_id", "path", "speaker", "attack", "key"]
    assert ("codec" if track == "LA" else "compression") in table.columns
    assert all(Path(path).is_file() for path in table["path"])
    assert len(corpus.utterances("all")) == 3 and len(corpus.utterances("progress")) == 1


def test_malformed_key_line_is_refused_with_its_number(tmp_path):
    root = make_track(tmp_path, "LA", LA_KEY)
    write_lines(root / "keys" / "LA" / "CM" / "trial_metadata.txt", [LA_KEY[0], "LA_0009 LA_E_1 alaw spoof"])
    with pytest.raises(DataError, match=r"trial_metadata.txt:2: expected 8 columns"):
        ASVspoof2021(root, "LA", "paths.asvspoof2021_la").utterances("eval")


def test_missing_key_names_the_path_and_archive(tmp_path):
    with pytest.raises(DataError) as error:
        ASVspoof2021(tmp_path, "DF", "paths.asvspoof2021_df").utterances("eval")
    assert str(tmp_path / "keys" / "DF" / "CM" / "trial_metadata.txt") in str(error.value)
    assert "DF-keys-full.tar.gz" in str(error.value)


def test_unknown_subset_lists_the_known_ones(tmp_path):
    with pytest.raises(DataError, match="eval, progress, all"):
        ASVspoof2021(make_track(tmp_path, "LA", LA_KEY), "LA", "paths.x").utterances("hidden")
