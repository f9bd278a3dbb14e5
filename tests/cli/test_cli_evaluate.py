"""`asdf evaluate` end to end on ASVspoof 2019 files, and its refusals (message, no traceback)."""

from __future__ import annotations

import json

import pytest

from asdf.cli.main import main


@pytest.fixture
def la_files(tmp_path, rng):
    """A 2019-style protocol, CM score file and ASV score file."""
    protocol, scores = [], []
    for index in range(400):
        attack, key, mean = ("-", "bonafide", 1.5) if index < 150 else (f"A{7 + index % 3:02d}", "spoof", -1.5)
        protocol.append(f"LA_0001 LA_E_{index:07d} - {attack} {key}")
        scores.append(f"LA_E_{index:07d} {attack} {key} {rng.normal(mean, 1.0)!r}")
    asv = ([f"LA_0001 target {rng.normal(3, 1)!r}" for _ in range(50)]
           + [f"LA_0001 nontarget {rng.normal(-3, 1)!r}" for _ in range(50)]
           + [f"LA_0001 spoof {rng.normal(1, 2)!r}" for _ in range(100)])
    paths = {name: tmp_path / f"{name}.txt" for name in ("protocol", "scores", "asv")}
    for name, lines in (("protocol", protocol), ("scores", scores), ("asv", asv)):
        paths[name].write_text("\n".join(lines) + "\n")
    return paths


def test_evaluate_writes_json_table_and_plots(tmp_path, la_files):
    out = tmp_path / "out"
    status = main(["evaluate", "--scores", str(la_files["scores"]), "--protocol", str(la_files["protocol"]),
                   "--asv-scores", str(la_files["asv"]), "--calibrate-on", str(la_files["scores"]),
                   "--dev-protocol", str(la_files["protocol"]), "--bootstrap", "20", "--out", str(out)])
    assert status == 0
    results = json.loads((out / "scores.json").read_text())
    # two unit-variance normals 3 apart: EER = Phi(-1.5) = 0.067; the ASV scores read give a t-DCF below the
    # 1 of a CM that accepts everything (None if they were ignored)
    assert results["eer"] == pytest.approx(0.067, abs=0.03) and 0 < results["min_tdcf"] < 1
    assert sorted(path.name for path in (out / "plots").iterdir()) == [
        "scores_attack_eer.png", "scores_attack_scores.png", "scores_confusion.png", "scores_det.png",
        "scores_roc.png", "scores_scores.png"]
    assert "| A07 |" in (out / "scores.md").read_text() and (out / "calibration.json").is_file()


def test_evaluate_refuses_a_duplicated_id_without_traceback(tmp_path, la_files, capsys):
    with open(la_files["scores"], "a") as scores:
        scores.write("LA_E_0000003 - bonafide 0.5\n")
    status = main(["evaluate", "--scores", str(la_files["scores"]), "--protocol", str(la_files["protocol"]),
                   "--bootstrap", "0", "--out", str(tmp_path / "out")])
    error = capsys.readouterr().err
    assert status == 2 and "line 4 (LA_E_0000003), line 401 (LA_E_0000003)" in error
    assert "Traceback" not in error


def test_evaluate_missing_file_is_a_user_error(tmp_path, la_files, capsys):
    status = main(["evaluate", "--scores", str(tmp_path / "nope.txt"), "--protocol", str(la_files["protocol"]),
                   "--out", str(tmp_path / "out")])
    assert status == 2 and "nope.txt" in capsys.readouterr().err


def test_calibration_options_go_together(tmp_path, la_files, capsys):
    status = main(["evaluate", "--scores", str(la_files["scores"]), "--protocol", str(la_files["protocol"]),
                   "--calibrate-on", str(la_files["scores"]), "--out", str(tmp_path / "out")])
    assert status == 2 and "--calibrate-on and --dev-protocol go together" in capsys.readouterr().err


@pytest.mark.parametrize("option, content, expected", [
    ("--protocol", None, "no such file (expected a protocol / key file)"),
    ("--protocol", b"RIFF\x80\x00\xff", "is not a text file (expected a protocol / key file)"),
    ("--scores", b"RIFF\x80\x00\xff", "is not a text file (expected a score file in ASVspoof 2019, 2021 or 5 format, or asdf score results)"),
    ("--scores", b"a b c d e f\n", ":1: cannot tell the score format from a line of 6 columns"),
    ("--asv-scores", None, "no such file (expected ASVspoof 2019 ASV scores)"),
])
def test_each_unusable_input_file_is_named_in_one_line(tmp_path, la_files, capsys, option, content, expected):
    bad = tmp_path / "bad.txt"
    if content is not None:
        bad.write_bytes(content)
    arguments = {"--scores": la_files["scores"], "--protocol": la_files["protocol"], option: bad}
    status = main(["evaluate", *(str(x) for pair in arguments.items() for x in pair), "--bootstrap", "0",
                   "--out", str(tmp_path / "out")])
    lines = capsys.readouterr().err.strip().splitlines()
    assert status == 2 and len(lines) == 1 and "Traceback" not in lines[0]
    assert lines[0].startswith(f"asdf evaluate: error: {bad}") and expected in lines[0]


def test_an_output_folder_that_cannot_be_made_is_named(tmp_path, la_files, capsys):
    (tmp_path / "file").write_text("")
    status = main(["evaluate", "--scores", str(la_files["scores"]), "--protocol", str(la_files["protocol"]),
                   "--out", str(tmp_path / "file" / "out")])
    assert status == 2 and capsys.readouterr().err.startswith(
        f"asdf evaluate: error: cannot create the folder {tmp_path / 'file' / 'out'}: ")
