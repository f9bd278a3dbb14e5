"""The Whisper recipe end to end on a miniature corpus: train, eval, package as a shipped model, score with it."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from tests.conftest import REPO_ROOT
from tests.mini_corpus import make_mini_la

RUN = [sys.executable, str(REPO_ROOT / "recipes" / "whisper_tiny" / "run.py")]


@pytest.fixture(scope="module")
def packaged(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("whisper_e2e")
    corpus = make_mini_la(folder / "corpus", samples=16000)
    output = folder / "output"
    settings = [f"paths.asvspoof2019_la={corpus}", f"paths.output_folder={output}", "data.corpus=asvspoof2019_la",
                "data.eval_lists=['dev','eval']", "training.epochs=1", "training.batch_size=4",
                "data.train_samples=16000", "computing.network_dataloader_workers=0", "computing.sad_workers=1",
                "training.progress_interval_s=0"]
    run = subprocess.run([*RUN, "open", *settings], capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    system = output / "whisper-tiny-open"
    package = subprocess.run([sys.executable, "utils/package_model.py", str(system), "--name", "mini",
                              "--out", str(folder / "shipped")], capture_output=True, text=True, cwd=REPO_ROOT,
                             timeout=600)
    return {"run": run, "package": package, "system": system, "shipped": folder / "shipped", "corpus": corpus}


def test_the_recipe_trains_and_scores_the_whisper_countermeasure(packaged):
    run, system = packaged["run"], packaged["system"]
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((system / "final" / "results.json").read_text())
    assert results["settings"]["train"]["model.name"] == "whisper-tiny"
    assert results["settings"]["train"]["model.trainable_blocks"] == 0  # the shipped recipe's choice
    # the checkpoint holds the head, not Whisper's 8 million fixed weights
    state = torch.load(system / "checkpoints" / "best.pt", map_location="cpu", weights_only=True)["model"]
    assert sum(tensor.numel() for tensor in state.values()) < 50_000 and "classifier.weight" in state


def test_the_packaged_weights_score_files(packaged):
    assert packaged["package"].returncode == 0, packaged["package"].stdout + packaged["package"].stderr
    weights = packaged["shipped"] / "mini.pt"
    assert weights.stat().st_size < 300_000 and (packaged["shipped"] / "mini.json").is_file()
    audio = next((packaged["corpus"] / "LA" / "ASVspoof2019_LA_eval" / "flac").glob("*.flac"))
    done = subprocess.run([sys.executable, "-c", "from asdf.cli.main import main; main()", "score", str(audio),
                           "--model", str(weights)], capture_output=True, text=True, cwd=REPO_ROOT, check=True)
    record = json.loads(done.stdout)
    assert record["error"] is None and record["model"] == "mini.pt" and math.isfinite(record["score"])
    verdict = json.loads((packaged["shipped"] / "mini.json").read_text())
    assert verdict["system"] == "whisper-tiny-open" and verdict["n_bonafide"] == verdict["n_spoof"] == 4
