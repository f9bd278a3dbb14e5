"""Kill a CPU training run (SIGKILL) at chosen and random moments, resume it, and get the uninterrupted result."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO_ROOT
from tests.training.tiny_runs import RUN_PY, run_recipe, tiny_overrides, write_plain_corpus

STAGES = ["sad-off", "train", "eval"]
EXTRA = ["training.average='swa'", "training.average_epochs=2", "eval.checkpoints=['best','last','swa']",
         "eval.input='full'"]


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    """One plain-list corpus for the reference and the interrupted runs."""
    return write_plain_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def reference(corpus, tmp_path_factory) -> Path:
    """The system folder of an uninterrupted run."""
    output = tmp_path_factory.mktemp("reference")
    result = run_recipe([*STAGES, *tiny_overrides(corpus, output, *EXTRA)])
    assert result.returncode == 0, result.stdout + result.stderr
    return output / "aasist"


def _kill_at_random_moment(words: list[str], system: Path, seed: int) -> None:
    """Start the run, wait until it has recorded epoch 2, then SIGKILL it after a random delay (in epoch 3)."""
    process = subprocess.Popen([sys.executable, RUN_PY, *words], cwd=REPO_ROOT, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    metrics = system / "logs" / "metrics.jsonl"
    deadline = time.monotonic() + 120
    while process.poll() is None and time.monotonic() < deadline and _epochs_recorded(metrics) < 2:
        time.sleep(0.02)
    time.sleep(random.Random(seed).uniform(0.0, 1.5))
    if process.poll() is None:
        os.kill(process.pid, signal.SIGKILL)
    process.wait()


def _epochs_recorded(metrics: Path) -> int:
    return len(metrics.read_text().splitlines()) if metrics.is_file() else 0


def _weights(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


def test_killed_runs_resume_to_the_uninterrupted_result(corpus, reference, tmp_path):
    words = [*STAGES, *tiny_overrides(corpus, tmp_path, *EXTRA)]
    system = tmp_path / "aasist"
    for moment in ("step 2.2", "save last.pt 2"):  # mid-epoch, then while last.pt of epoch 2 is being written
        killed = run_recipe(words, {"ASDF_KILL_AT": moment})
        assert killed.returncode == -signal.SIGKILL, killed.stdout + killed.stderr
    assert json.loads((system / "logs" / "metrics.jsonl").read_text().splitlines()[-1])["epoch"] == 1
    _kill_at_random_moment(words, system, seed=3)
    finished = run_recipe(words)
    assert finished.returncode == 0, finished.stdout + finished.stderr
    assert "resuming after epoch" in finished.stdout
    for name in ("last", "best", "swa", "epoch_003"):
        expected, resumed = _weights(reference / "checkpoints" / f"{name}.pt"), _weights(system / "checkpoints" / f"{name}.pt")
        assert all(torch.equal(expected[key], resumed[key]) for key in expected), name
    for name in ("eval.best.txt", "eval.last.txt", "eval.swa.txt"):
        assert (system / "scores" / name).read_text() == (reference / "scores" / name).read_text(), name
    assert (system / "logs" / "metrics.jsonl").read_text().count("\n") == 3
    assert not list((system / "checkpoints").glob(".*.tmp"))


def test_checkpoints_load_with_weights_only_and_hold_the_resume_state(reference):
    state = torch.load(reference / "checkpoints" / "last.pt", map_location="cpu", weights_only=True)
    assert {"model", "optimizer", "schedule", "scaler", "sampler", "rng", "history"} <= set(state)
    assert state["sampler"]["epoch"] == 3 and [record["epoch"] for record in state["history"]] == [1, 2, 3]
    assert (reference / "logs" / "metrics.png").stat().st_size > 0
    assert json.loads((reference / "checkpoints" / "training_done.json").read_text())["averaged"] == "swa"
