"""Plain lists `path label [attack] [speaker]`, and lists of several corpora in one recipe run."""

from __future__ import annotations

import pytest

from asdf.base.errors import DataError
from asdf.base.settings import Settings
from asdf.corpora import read_list, split_list_name
from asdf.corpora.plain_list import PlainLists
from tests.corpora.miniatures import write_lines, write_tone


def test_reads_two_to_four_fields_relative_to_the_list(tmp_path):
    write_tone(tmp_path / "audio" / "a.wav")
    absolute = tmp_path / "elsewhere" / "b.flac"
    write_tone(absolute)
    write_lines(tmp_path / "mine.txt", ["# my data", "audio/a.wav bonafide", f"{absolute} spoof TTS1 spk7"])
    table = PlainLists(tmp_path).utterances("mine")
    assert table["path"].tolist() == [str(tmp_path / "audio" / "a.wav"), str(absolute)]
    assert table[["key", "attack", "speaker"]].values.tolist() == [["bonafide", "-", "-"], ["spoof", "TTS1", "spk7"]]
    assert table["utt_id"].iloc[0] == "audio/a"


@pytest.mark.parametrize("line, message", [("a.wav", "2 to 4 fields"), ("a.wav real", "label 'real'"),
                                           ("a.wav spoof A B C", "2 to 4 fields")])
def test_malformed_line_is_refused_with_its_number(tmp_path, line, message):
    write_lines(tmp_path / "bad.txt", ["x.wav spoof", line])
    with pytest.raises(DataError, match=rf"bad.txt:2: .*{message}"):
        PlainLists(tmp_path).utterances("bad")


def test_missing_list_names_the_path(tmp_path):
    with pytest.raises(DataError, match=str(tmp_path / "eval.txt")):
        PlainLists(tmp_path).utterances("eval")


def test_qualified_list_names_pick_their_corpus(tmp_path):
    assert split_list_name("asvspoof5.train", "asvspoof2019_la") == ("asvspoof5", "train")
    assert split_list_name("train", "asvspoof2019_la") == ("asvspoof2019_la", "train")
    write_tone(tmp_path / "a.wav")
    write_lines(tmp_path / "extra.txt", ["a.wav spoof"])
    settings = Settings()
    settings.paths.plain_list = str(tmp_path)
    utterances, asv_scores = read_list(settings, tmp_path, "plain_list.extra")
    assert utterances["utt_id"].tolist() == ["a"] and asv_scores is None
