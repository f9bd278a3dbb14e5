"""ASVspoof 5 reader on a miniature in the official layout (flac_T, flac_D, flac_E_eval, protocol .tsv files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf.base.errors import DataError
from asdf.corpora.asvspoof5 import ASVspoof5
from tests.corpora.miniatures import write_lines, write_tone

PROTOCOLS = {
    "train": ("ASVspoof5.train.tsv", "flac_T", ["T_4850 T_0000000000 F - - - AC3 A05 spoof -",
                                                 "T_1138 T_0000000001 M - - - - bonafide bonafide -"]),
    "dev": ("ASVspoof5.dev.track_1.tsv", "flac_D", ["D_0062 D_0000000001 F - - - AC1 A11 spoof -"]),
    "eval": ("ASVspoof5.eval.track_1.tsv", "flac_E_eval", ["E_0001 E_0000000001 M C05 3 1 - bonafide bonafide -"]),
}


def make_asvspoof5(root: Path) -> Path:
    """The protocols (unpacked into ASVspoof5_protocols/) and one flac per protocol line."""
    for protocol, folder, lines in PROTOCOLS.values():
        write_lines(root / "ASVspoof5_protocols" / protocol, lines)
        for line in lines:
            write_tone(root / folder / f"{line.split()[1]}.flac")
    return root


def test_reads_the_three_lists(tmp_path):
    corpus = ASVspoof5(make_asvspoof5(tmp_path))
    train = corpus.utterances("train")
    assert train["utt_id"].tolist() == ["T_0000000000", "T_0000000001"]
    assert train["key"].tolist() == ["spoof", "bonafide"] and train["attack"].tolist() == ["A05", "bonafide"]
    assert "codec" in train.columns and "unused" not in train.columns
    assert all(Path(path).is_file() for name in PROTOCOLS for path in corpus.utterances(name)["path"])


def test_protocols_in_the_root_are_accepted_too(tmp_path):
    root = make_asvspoof5(tmp_path)
    (root / "ASVspoof5_protocols" / "ASVspoof5.dev.track_1.tsv").rename(root / "ASVspoof5.dev.track_1.tsv")
    assert len(ASVspoof5(root).utterances("dev")) == 1


def test_malformed_line_is_refused_with_its_number(tmp_path):
    root = make_asvspoof5(tmp_path)
    write_lines(root / "ASVspoof5_protocols" / "ASVspoof5.train.tsv", [PROTOCOLS["train"][2][0], "T_1 T_2 F"])
    with pytest.raises(DataError, match=r"ASVspoof5.train.tsv:2: expected 10 columns"):
        ASVspoof5(root).utterances("train")


def test_missing_protocol_names_the_path_and_archive(tmp_path):
    with pytest.raises(DataError) as error:
        ASVspoof5(tmp_path).utterances("eval")
    assert str(tmp_path / "ASVspoof5_protocols" / "ASVspoof5.eval.track_1.tsv") in str(error.value)
    assert "ASVspoof5_protocols.tar.gz" in str(error.value)
