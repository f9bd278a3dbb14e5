"""Score files: the three formats round-trip, and bad files are refused naming the line."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from asdf.cli.main import main
from asdf.data.protocols import read_cm_protocol_2019
from asdf.data.scorefiles import ScoreFileError, join_scores, read_score_file, write_score_file

PROTOCOL = "LA_0079 LA_E_1 - - bonafide\nLA_0079 LA_E_2 - - bonafide\nLA_0039 LA_E_3 - A11 spoof\nLA_0039 LA_E_4 - A12 spoof\n"
GOOD_2019 = "LA_E_1 - bonafide 1.5\nLA_E_2 - bonafide 0.5\nLA_E_3 A11 spoof -1\nLA_E_4 A12 spoof -2\n"


@pytest.fixture
def protocol(tmp_path):
    """A four-trial 2019 protocol."""
    path = tmp_path / "protocol.txt"
    path.write_text(PROTOCOL)
    return read_cm_protocol_2019(path)


def scores_file(tmp_path, text: str):
    """A score file with `text`."""
    path = tmp_path / "scores.txt"
    path.write_text(text)
    return path


@pytest.mark.parametrize("fmt", ["asvspoof2019", "asvspoof2021", "asvspoof5"])
def test_formats_round_trip_exactly(tmp_path, fmt):
    trials = pd.DataFrame({"utt_id": ["a", "b"], "attack": ["-", "A07"], "key": ["bonafide", "spoof"],
                           "score": [0.1 + 0.2, -1e-300]})
    write_score_file(tmp_path / "s.txt", trials, fmt)
    scores = read_score_file(tmp_path / "s.txt")  # format detected
    assert scores["utt_id"].tolist() == ["a", "b"] and scores["score"].tolist() == [0.1 + 0.2, -1e-300]
    if fmt == "asvspoof5":
        assert (tmp_path / "s.txt").read_text().startswith("filename\tcm-score\n")


def test_join_keeps_protocol_columns(tmp_path, protocol):
    trials = join_scores(read_score_file(scores_file(tmp_path, GOOD_2019)), protocol)
    assert trials["score"].tolist() == [1.5, 0.5, -1.0, -2.0] and trials["attack"].tolist()[2:] == ["A11", "A12"]


@pytest.mark.parametrize("text, message", [
    (GOOD_2019 + "LA_E_3 A11 spoof -1\n", r"duplicated utterance ids: line 3 \(LA_E_3\), line 5 \(LA_E_3\)"),
    (GOOD_2019.replace("bonafide 0.5", "bonafide nan"), r"scores.txt:2: score is 'nan'"),
    (GOOD_2019.replace("bonafide 0.5", "bona-fide 0.5"), r"scores.txt:2: unknown key 'bona-fide'"),
    (GOOD_2019.replace("LA_E_4 A12 spoof -2\n", ""), r"no score: LA_E_4 \(.*protocol.txt:4\)"),
    (GOOD_2019.replace("LA_E_4 A12 spoof -2\n", "A12 spoof -2\n"), r"scores.txt:4: expected 4 columns"),
    (GOOD_2019 + "LA_E_9 A12 spoof -2\n", r"not in the protocol: line 5 \(LA_E_9\)"),
    (GOOD_2019.replace("LA_E_3 A11 spoof", "LA_E_3 A11 bonafide"), r"key differs from the protocol's at line 3"),
    (GOOD_2019.replace("-2\n", "minus two\n"), r"scores.txt:4: expected 4 columns"),
])
def test_bad_score_files_are_refused_naming_the_line(tmp_path, protocol, text, message):
    path = scores_file(tmp_path, text)
    with pytest.raises(ScoreFileError, match=message):
        join_scores(read_score_file(path), protocol, source=str(path))


def test_asvspoof5_header_is_required(tmp_path):
    path = scores_file(tmp_path, "filename\tscore\nD_1\t0.5\n")
    with pytest.raises(ScoreFileError, match="scores.txt:1: score 'score' is not a number"):
        read_score_file(path)  # two columns: read as 2021 `TRIAL SCORE`
    with pytest.raises(ScoreFileError, match="scores.txt:1: expected the header"):
        read_score_file(path, "asvspoof5")


def test_sign_flip_warning(tmp_path, protocol, caplog):
    flipped = "LA_E_1 -1.5\nLA_E_2 -0.5\nLA_E_3 1\nLA_E_4 2\n"
    with caplog.at_level(logging.WARNING, logger="asdf.data.scorefiles"):
        join_scores(read_score_file(scores_file(tmp_path, flipped)), protocol)
    assert "with the scores negated" in caplog.text


def test_write_refuses_non_finite_scores(tmp_path):
    trials = pd.DataFrame({"utt_id": ["a"], "score": [float("nan")]})
    with pytest.raises(ValueError, match="NaN or infinite"):
        write_score_file(tmp_path / "s.txt", trials, "asvspoof2021")
    assert not (tmp_path / "s.txt").exists()


ASDF_CSV = (
    "path,channel,duration_s,sample_rate,channels,score,score_type,threshold,decision,flags,aggregation,model,"
    "window_s,hop_s,window_starts_s,window_scores,error\n"
    'x/LA_E_1.flac,,2.0,16000,1,1.5,bonafide_logit,0.0,bonafide,[],mean,m,4.0,2.0,[0.0],[1.5],\n'
    'x/LA_E_2.flac,,2.0,16000,1,0.5,bonafide_logit,0.0,bonafide,[],mean,m,4.0,2.0,"[0.0, 1.0]","[0.5, 0.5]",\n'
    'x/LA_E_3.wav,,2.0,16000,1,-1.0,bonafide_logit,0.0,spoof,[],mean,m,4.0,2.0,[0.0],[-1.0],\n'
    'x/LA_E_4.flac,,2.0,16000,1,-2.0,bonafide_logit,0.0,spoof,[],mean,m,4.0,2.0,[0.0],[-2.0],\n'
    'x/enrolment_9.flac,,2.0,16000,1,3.0,bonafide_logit,0.0,bonafide,[],mean,m,4.0,2.0,[0.0],[3.0],\n'
)


def test_asdf_score_results_read_as_scores_named_by_file(tmp_path):
    csv_path = tmp_path / "results.csv"
    csv_path.write_text(ASDF_CSV)
    jsonl_path = tmp_path / "results.jsonl"
    jsonl_path.write_text('{"path": "a/LA_E_1.flac", "score": 1.5}\n{"path": "a/LA_E_5.flac", "score": null, '
                          '"error": "cannot decode"}\n\n{"path": "b/LA_E_3.flac", "score": -1.0}\n')
    from_csv, from_jsonl = read_score_file(csv_path), read_score_file(jsonl_path)
    assert from_csv["utt_id"].tolist() == ["LA_E_1", "LA_E_2", "LA_E_3", "LA_E_4", "enrolment_9"]
    assert from_csv["score"].tolist() == [1.5, 0.5, -1.0, -2.0, 3.0]
    assert from_jsonl["utt_id"].tolist() == ["LA_E_1", "LA_E_3"]  # the file that failed has no score


def test_asdf_score_results_of_a_folder_are_evaluated_against_its_protocol(tmp_path, caplog):
    caplog.set_level(logging.INFO)
    (tmp_path / "results.csv").write_text(ASDF_CSV)
    (tmp_path / "protocol.txt").write_text(PROTOCOL)
    status = main(["evaluate", "--scores", str(tmp_path / "results.csv"), "--protocol",
                   str(tmp_path / "protocol.txt"), "--bootstrap", "0", "--out", str(tmp_path / "out")])
    assert status == 0
    assert "left out 1 scored files the protocol does not list (e.g. enrolment_9)" in caplog.text
    assert (tmp_path / "out" / "results.md").is_file()


def test_a_broken_json_line_of_asdf_score_results_is_named(tmp_path):
    path = tmp_path / "results.jsonl"
    path.write_text('{"path": "a/LA_E_1.flac", "score": 1.5}\n{"path": \n')
    with pytest.raises(ScoreFileError, match="results.jsonl:2"):
        read_score_file(path)
