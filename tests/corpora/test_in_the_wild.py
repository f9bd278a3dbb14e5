"""In-the-Wild reader on a miniature in the official layout (release_in_the_wild/<n>.wav and meta.csv)."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf.base.errors import DataError
from asdf.corpora.in_the_wild import InTheWild
from tests.corpora.miniatures import write_lines, write_tone


def make_in_the_wild(root: Path) -> Path:
    """Three files and their meta.csv."""
    folder = root / "release_in_the_wild"
    for index in range(3):
        write_tone(folder / f"{index}.wav")
    write_lines(folder / "meta.csv", ["file,speaker,label", "0.wav,Alec Guinness,spoof",
                                      "1.wav,Alec Guinness,bona-fide", "2.wav,Barack Obama,spoof"])
    return root


def test_reads_meta_in_order(tmp_path):
    table = InTheWild(make_in_the_wild(tmp_path)).utterances("eval")
    assert table["utt_id"].tolist() == ["0", "1", "2"]
    assert table["key"].tolist() == ["spoof", "bonafide", "spoof"]
    assert table["speaker"].iloc[0] == "Alec Guinness"
    assert all(Path(path).is_file() for path in table["path"])


def test_malformed_line_is_refused_with_its_number(tmp_path):
    root = make_in_the_wild(tmp_path)
    write_lines(root / "release_in_the_wild" / "meta.csv", ["file,speaker,label", "0.wav,A,spoof", "1.wav,B,fake"])
    with pytest.raises(DataError, match=r"meta.csv:3: label 'fake'"):
        InTheWild(root).utterances("eval")


def test_missing_meta_names_the_path_and_archive(tmp_path):
    with pytest.raises(DataError) as error:
        InTheWild(tmp_path).utterances("eval")
    assert str(tmp_path / "release_in_the_wild" / "meta.csv") in str(error.value)
    assert "release_in_the_wild.zip" in str(error.value)
