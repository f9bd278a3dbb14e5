"""Protocol and key readers: normalised columns, extra columns, and errors that name the line."""

from __future__ import annotations

import pytest

from asdf.data.protocols import (
    ProtocolError,
    read_asv_scores_2019,
    read_cm_protocol_2019,
    read_in_the_wild_meta,
    read_protocol,
    read_protocol_asvspoof5,
    read_trial_metadata_2021_df,
    read_trial_metadata_2021_la,
)


def write(tmp_path, name: str, text: str):
    """A file under tmp_path with `text`."""
    path = tmp_path / name
    path.write_text(text)
    return path


def test_cm_protocol_2019(tmp_path):
    path = write(tmp_path, "p.txt", "LA_0079 LA_T_1138215 - - bonafide\n\nLA_0039 LA_E_2834763 - A11 spoof\n")
    frame = read_cm_protocol_2019(path)
    assert list(frame.columns[:4]) == ["speaker", "utt_id", "attack", "key"]
    assert frame["attack"].tolist() == ["-", "A11"] and frame["key"].tolist() == ["bonafide", "spoof"]
    assert read_protocol(path).equals(frame)


def test_2021_la_and_df_keys(tmp_path):
    la = write(tmp_path, "la.txt", "LA_0009 LA_E_9332881 alaw ita_tx A07 spoof notrim eval\n")
    frame = read_trial_metadata_2021_la(la)
    assert frame.loc[0, "codec"] == "alaw" and frame.loc[0, "subset"] == "eval"
    df = write(tmp_path, "df.txt", "LA_0023 DF_E_2000011 nocodec asvspoof A14 spoof notrim progress "
                                   "traditional_vocoder - - - -\n")
    frame = read_trial_metadata_2021_df(df)
    assert frame.loc[0, "attack"] == "A14" and frame.loc[0, "vocoder"] == "traditional_vocoder"
    assert read_protocol(df).equals(frame)


def test_asvspoof5_protocol(tmp_path):
    path = write(tmp_path, "ASVspoof5.dev.track_1.tsv",
                 "D_0062 D_0000000001 F - - - AC1 A11 spoof -\nD_0755 D_0000000002 M - - - - bonafide bonafide -\n")
    frame = read_protocol_asvspoof5(path)
    assert frame["attack"].tolist() == ["A11", "bonafide"] and frame["key"].tolist() == ["spoof", "bonafide"]
    assert frame.loc[0, "gender"] == "F"


def test_in_the_wild_meta(tmp_path):
    path = write(tmp_path, "meta.csv", "file,speaker,label\n0.wav,Alec Guinness,spoof\n1.wav,Alec Guinness,bona-fide\n")
    frame = read_in_the_wild_meta(path)
    assert frame["utt_id"].tolist() == ["0", "1"] and frame["key"].tolist() == ["spoof", "bonafide"]
    assert read_protocol(path).equals(frame)


def test_asv_scores_2019(tmp_path):
    path = write(tmp_path, "asv.txt", "LA_0001 target 1.5\nLA_0002 nontarget -3\nLA_0003 spoof 0.25\n")
    frame = read_asv_scores_2019(path)
    assert frame["key"].tolist() == ["target", "nontarget", "spoof"] and frame["score"].sum() == pytest.approx(-1.25)


@pytest.mark.parametrize("text, message", [
    ("LA_0079 LA_T_1 - - bonafide\nLA_0079 LA_T_2 - bonafide\n", r"p.txt:2: expected 5 columns"),
    ("LA_0079 LA_T_1 - - bonafide\n\nLA_0079 LA_T_2 - - genuine\n", r"p.txt:3: key 'genuine' is not one of"),
    ("", r"p.txt: no entries"),
])
def test_cm_protocol_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ProtocolError, match=message):
        read_cm_protocol_2019(write(tmp_path, "p.txt", text))


@pytest.mark.parametrize("text, message", [
    ("LA_0001 target 1.5\nLA_0002 impostor 1\n", r"asv.txt:2: key 'impostor'"),
    ("LA_0001 target 1.5\nLA_0002 spoof abc\n", r"asv.txt:2: score 'abc' is not a finite number"),
])
def test_asv_score_errors_name_the_line(tmp_path, text, message):
    with pytest.raises(ProtocolError, match=message):
        read_asv_scores_2019(write(tmp_path, "asv.txt", text))


def test_unknown_layout_is_refused(tmp_path):
    with pytest.raises(ProtocolError, match="cannot tell the protocol format"):
        read_protocol(write(tmp_path, "odd.txt", "a b c\n"))
