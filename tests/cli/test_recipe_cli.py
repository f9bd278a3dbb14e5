"""The AASIST recipe's command line: help, refusing bad settings, sad-off on broken audio."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pandas as pd

from tests.conftest import REPO_ROOT
from tests.mini_corpus import make_mini_la

RUN = [sys.executable, str(REPO_ROOT / "recipes" / "aasist" / "run.py")]


def run_recipe(*words: str) -> subprocess.CompletedProcess:
    """Run the recipe as a user would, capturing its output."""
    return subprocess.run([*RUN, *words], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)


def test_help_lists_stages_run_configs_and_overrides():
    result = run_recipe("--help")
    assert result.returncode == 0
    for expected in ("sad-off", "train", "eval", "score", "train-demo", "< train, demo-data", "group.field=value"):
        assert expected in result.stdout


def test_unknown_key_exits_nonzero_naming_it():
    result = run_recipe("train", "network.no_such_key=3")
    assert result.returncode == 2
    assert "unknown setting 'network.no_such_key'" in result.stdout


def test_wrongly_typed_value_exits_nonzero_naming_it():
    result = run_recipe("train", "training.epochs=2.5")
    assert result.returncode == 2
    assert "training.epochs expects int, got float 2.5" in result.stdout


def test_unknown_run_config_names_closest():
    result = run_recipe("trian")
    assert result.returncode == 2
    assert "unknown run config 'trian'" in result.stdout and "'train'" in result.stdout


def test_sad_off_reports_and_excludes_corrupt_and_empty_files(tmp_path: Path):
    corpus = make_mini_la(tmp_path / "corpus")
    flac = corpus / "LA" / "ASVspoof2019_LA_train" / "flac"
    (flac / "LA_T_1000000.flac").write_bytes(b"fLaC this is not audio")
    (flac / "LA_T_1000005.flac").write_bytes(b"")
    output = tmp_path / "out"
    result = run_recipe("sad-off", f"paths.asvspoof2019_la={corpus}", f"paths.output_folder={output}",
                        "computing.sad_workers=1")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "LA_T_1000000.flac" in result.stdout and "LA_T_1000005.flac" in result.stdout
    rejected = pd.read_csv(output / "aasist" / "lists" / "rejected.tsv", sep="\t")
    assert sorted(rejected["utt_id"]) == ["LA_T_1000000", "LA_T_1000005"]
    train = pd.read_csv(output / "aasist" / "lists" / "train.tsv", sep="\t")
    assert len(train) == 6 and "LA_T_1000000" not in set(train["utt_id"])
    assert (train["num_samples"] == 8000).all()
    assert (output / "aasist" / "config" / "sad-off.yaml").is_file()


def test_missing_protocol_names_expected_path_and_archive(tmp_path: Path):
    result = run_recipe("sad-off", f"paths.asvspoof2019_la={tmp_path}", f"paths.output_folder={tmp_path / 'o'}")
    assert result.returncode == 1
    assert "ASVspoof2019_LA_cm_protocols/ASVspoof2019.LA.cm.train.trn.txt" in result.stdout
    assert "LA.zip" in result.stdout
