"""`run.py status` from another terminal: a running train with its epoch and step, a killed one, a finished
run, and a stage made stale by a changed input."""

from __future__ import annotations

import importlib
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from asdf.base.config_lang import parse_override
from asdf.cli.run_command import main
from asdf.runner.recipe import build_settings
from recipes.aasist.run import RECIPE
from tests.conftest import REPO_ROOT
from tests.training.tiny_runs import RUN_PY, run_recipe, tiny_overrides, write_plain_corpus


def _stage_line(text: str, stage: str) -> str:
    return next(line for line in text.splitlines() if line.split()[:1] == [stage])


def _status(capsys, *words: str) -> str:
    assert main(RECIPE, ["status", *words]) == 0
    return capsys.readouterr().out


def test_status_follows_a_run_while_it_trains_after_a_kill_and_when_stale(tmp_path: Path, capsys):
    corpus = write_plain_corpus(tmp_path / "corpus")
    words = tiny_overrides(corpus, tmp_path / "out", "training.epochs=4")
    system = tmp_path / "out" / "aasist"
    with open(tmp_path / "out.txt", "w") as log:  # as `nohup python -u run.py ... > out.txt &`
        process = subprocess.Popen([sys.executable, "-u", RUN_PY, "sad-off", "train", *words], cwd=REPO_ROOT,
                                   stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 120
        while not (system / "logs" / "metrics.jsonl").is_file() and process.poll() is None:
            assert time.monotonic() < deadline
            time.sleep(0.02)
        os.kill(process.pid, signal.SIGSTOP)  # hold it mid-training while another terminal asks
        running = _status(capsys, *words)
    finally:
        os.kill(process.pid, signal.SIGKILL)
        process.wait()
    assert _stage_line(running, "sad-off").split()[1] == "done"
    assert f"running    process {process.pid}" in _stage_line(running, "train")
    assert "epochs done 1/4; dev EER" in running and "last checkpoint checkpoints/last.pt" in running
    assert "now: epoch " in running and "samples/s" in running

    killed = _status(capsys, *words)
    assert f"process {process.pid} is gone (killed?)" in _stage_line(killed, "train")
    assert "now: epoch" not in killed

    finished = run_recipe(["train", "eval", "score", *words])
    assert finished.returncode == 0, finished.stdout + finished.stderr
    done = _status(capsys, *words)
    assert all(_stage_line(done, stage).split()[1] == "done" for stage in ("sad-off", "train", "eval", "score"))
    assert "epochs done 4/4" in done

    # with a run config its settings count too
    assert "training.learning_rate 0.0001 -> 0.002" in _stage_line(
        _status(capsys, "train", *words, "training.learning_rate=2e-3"), "train")
    best = (system / "checkpoints" / "best.pt").read_bytes()
    other = next(path for path in (system / "checkpoints").glob("epoch_*.pt") if path.read_bytes() != best)
    shutil.copyfile(other, system / "checkpoints" / "best.pt")
    # without a run config each stage is judged by the settings it ran with: only changed files count
    stale = _status(capsys, f"paths.output_folder={tmp_path / 'out'}")
    assert _stage_line(stale, "train").split()[1] == "done"
    assert _stage_line(stale, "eval").split()[1:] == ["stale", "its", "inputs", "changed:", "checkpoints/best.pt",
                                                     "changed"]


@pytest.mark.parametrize("recipe_name, words, system", [
    ("aasist", [], "aasist"),
    ("aasist", ["model.name=rawnet2"], "aasist-rawnet2"),
    ("aasist", ["model.name=rawnet2", "recipe.system=mine"], "mine"),
    ("wav2vec_aasist", [], "wav2vec_aasist"),
    ("wav2vec_aasist", ["model.name=aasist"], "wav2vec_aasist-aasist"),
])
def test_status_without_a_run_config_reads_the_folder_that_train_writes(tmp_path: Path, capsys, recipe_name,
                                                                         words, system):
    recipe = importlib.import_module(f"recipes.{recipe_name}.run").RECIPE
    words = [f"paths.output_folder={tmp_path}", *words]
    trained = build_settings(recipe, "train", [parse_override(word) for word in words])
    assert trained.recipe.system == system
    assert main(recipe, ["status", *words]) == 0
    assert f": {tmp_path / system} (inputs checked" in capsys.readouterr().out
