"""Stages notice changed inputs: a retrain with new settings trains them, eval and score follow the new weights,
an unchanged command touches nothing, and sad-off's exclusions are counted in the results."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np
import pytest
import soundfile

from asdf.runner.freshness import differences
from tests.training.tiny_runs import run_recipe, tiny_overrides, write_plain_corpus

STAGES = ["sad-off", "train", "eval", "score"]
NEW_SETTINGS = ["training.epochs=2", "training.learning_rate=5e-3"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """A plain-list corpus whose eval list also names a file that is not there and a silent one (sad-off
    excludes both)."""
    root = write_plain_corpus(tmp_path_factory.mktemp("corpus"))
    soundfile.write(root / "eval" / "silence.wav", np.zeros(16000, dtype=np.float32), 16000)
    with open(root / "eval.txt", "a") as lines:
        lines.write("eval/deleted.wav spoof S1 spk0\neval/silence.wav bonafide - spk1\n")
    return root


@pytest.fixture(scope="module")
def first_run(corpus, tmp_path_factory) -> Path:
    """The output folder of a finished sad-off, train, eval, score run."""
    output = tmp_path_factory.mktemp("first")
    result = run_recipe([*STAGES, *tiny_overrides(corpus, output)])
    assert result.returncode == 0, result.stdout + result.stderr
    return output


@pytest.fixture
def system(first_run, tmp_path) -> Path:
    """A private copy of the finished run (times kept), for a test that changes it: hard links, since every
    write of the recipe replaces a file by renaming a new one onto it and so never changes the shared original."""
    shutil.copytree(first_run, tmp_path / "output", copy_function=os.link)
    return tmp_path / "output" / "aasist"


def _digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def _run(corpus: Path, system: Path, *words: str):
    result = run_recipe([*tiny_overrides(corpus, system.parent), *words])  # later settings win
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_an_unchanged_command_skips_every_stage_and_changes_no_byte(corpus, system):
    before = _digests(system)
    stdout = _run(corpus, system, *STAGES)
    assert stdout.count("skipped: its outputs in") == 4
    assert _digests(system) == before


def test_train_with_new_settings_and_force_trains_them_and_keeps_the_old_run(corpus, system):
    old_best = (system / "checkpoints" / "best.pt").read_bytes()
    stdout = _run(corpus, system, "train", "--force", *NEW_SETTINGS)
    assert "forced (--force); its inputs changed: training.epochs 3 -> 2" in stdout
    assert "resuming" not in stdout and "the earlier run is kept in" in stdout
    assert json.loads((system / "checkpoints" / "training_done.json").read_text())["epochs_run"] == 2
    assert [json.loads(line)["epoch"] for line in (system / "logs" / "metrics.jsonl").read_text().splitlines()] == [1, 2]
    assert not (system / "checkpoints" / "epoch_003.pt").exists()
    kept = next((system / "previous").glob("train-*"))
    assert (kept / "checkpoints" / "best.pt").read_bytes() == old_best  # nothing lost
    assert (kept / "checkpoints" / "epoch_003.pt").is_file() and (kept / "config" / "train.yaml").is_file()


def test_changed_training_settings_retrain_without_force_and_eval_score_follow(corpus, system):
    old_scores = (system / "scores" / "eval.best.txt").read_text()
    stdout = _run(corpus, system, "train", *NEW_SETTINGS)
    assert "its inputs changed: training.epochs 3 -> 2; training.learning_rate 0.0001 -> 0.005" in stdout
    assert "resuming" not in stdout
    stdout = _run(corpus, system, "eval", "score", *NEW_SETTINGS)
    assert "stage eval: running: its inputs changed: checkpoints/best.pt changed" in stdout
    assert "stage score: running: its inputs changed:" in stdout
    assert (system / "scores" / "eval.best.txt").read_text() != old_scores
    results = (system / "final" / "results.txt").read_text()
    assert "training.learning_rate = 0.005" in results and "training.epochs = 2" in results
    before = _digests(system)
    stdout = _run(corpus, system, "eval", "score", *NEW_SETTINGS)
    assert stdout.count("skipped: its outputs in") == 2 and _digests(system) == before


def test_a_changed_eval_setting_reruns_eval_and_score(corpus, system):
    trained = _digests(system / "checkpoints")
    stdout = _run(corpus, system, "eval", "score", "eval.input='full'")
    assert _digests(system / "checkpoints") == trained
    assert "stage eval: running: its inputs changed: eval.input 'official' -> 'full'" in stdout
    assert json.loads((system / "results" / "eval.best.json").read_text())["counts"]["total"] == 8


def test_results_count_the_trials_sad_off_excluded(first_run):
    system = first_run / "aasist"
    results = json.loads((system / "results" / "eval.best.json").read_text())
    excluded = results["excluded"]
    assert excluded["count"] == 2 and excluded["by_key"] == {"spoof": 1, "bonafide": 1}
    reasons = {trial["utt_id"]: trial["reason"] for trial in excluded["trials"]}
    assert "no such file" in reasons["eval/deleted"] and "silent" in reasons["eval/silence"]
    assert "trials excluded before scoring | 2 (listed in lists/rejected.tsv)" in (
        system / "results" / "eval.best.md").read_text()
    header, row = (system / "final" / "results.txt").read_text().splitlines()[:2]
    assert dict(zip(header.split(), row.split()))["excluded"] == "2"


def test_a_new_pretrained_checkpoint_retrains_and_a_resume_does_not_reload_it(corpus, system, tmp_path):
    start = tmp_path / "start.pt"
    shutil.copyfile(system / "checkpoints" / "epoch_001.pt", start)
    stdout = _run(corpus, system, "train", f"model.pretrained={start}")
    assert "its inputs changed: model.pretrained is new" in stdout and "loaded RawNet2 weights" in stdout
    shutil.copyfile(system / "checkpoints" / "epoch_002.pt", start)
    stdout = _run(corpus, system, "train", f"model.pretrained={start}")
    assert "model.pretrained changed" in stdout
    (system / "checkpoints" / "training_done.json").unlink()  # as if killed after its last checkpoint
    stdout = _run(corpus, system, "train", f"model.pretrained={start}")
    assert "resuming after epoch 3" in stdout and "loaded RawNet2 weights" not in stdout


def test_a_setting_added_since_a_run_was_recorded_changes_nothing_at_its_default():
    saved = {"settings": {"training.epochs": 3}, "files": {}, "tables": {}}
    kept = {"settings": {"training.epochs": 3, "data.balance_attacks": False}, "files": {}, "tables": {}}
    assert differences(saved, kept) == []  # upgrading asdf does not retrain finished runs
    chosen = {"settings": {"training.epochs": 3, "data.balance_attacks": True}, "files": {}, "tables": {}}
    assert differences(saved, chosen) == ["data.balance_attacks (not recorded) -> True"]
