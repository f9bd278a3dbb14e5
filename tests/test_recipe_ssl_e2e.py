"""The SSL-AASIST recipe end to end on a miniature corpus with a tiny local wav2vec 2.0, and offline refusal."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from asdf.models.ssl import save_tiny_model
from tests.conftest import REPO_ROOT
from tests.mini_corpus import make_mini_la

RUN = [sys.executable, str(REPO_ROOT / "recipes" / "wav2vec_aasist" / "run.py")]


def overrides(corpus: Path, output: Path, ssl_model: str) -> list[str]:
    """The recipe's own settings, shrunk for a miniature corpus."""
    return [
        f"paths.asvspoof2019_la={corpus}", f"paths.output_folder={output}", f"model.ssl_model={ssl_model}",
        "training.epochs=2", "training.batch_size=4", "data.train_samples=8000", "data.eval_samples=8000",
        "computing.network_dataloader_workers=0", "computing.sad_workers=1", "training.progress_interval_s=0",
        "rawboost.algorithm=0",
    ]


def offline_environment(cache: Path) -> dict:
    """No network and an empty Hugging Face cache."""
    return {**os.environ, "HF_HOME": str(cache), "HF_HUB_CACHE": str(cache / "hub"), "HF_HUB_OFFLINE": "1"}


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> dict:
    folder = tmp_path_factory.mktemp("ssl_e2e")
    corpus = make_mini_la(folder / "corpus")
    tiny = save_tiny_model(folder / "tiny-wav2vec2")
    output = folder / "output"
    result = subprocess.run([*RUN, "sad-off", "train", "eval", "score", *overrides(corpus, output, str(tiny))],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=600,
                            env=offline_environment(folder / "hf"))
    return {"result": result, "system": output / "wav2vec_aasist", "tiny": tiny}


def test_recipe_runs_all_stages_with_a_local_ssl_model(finished_run):
    result, system = finished_run["result"], finished_run["system"]
    assert result.returncode == 0, result.stdout + result.stderr
    for relative in ("checkpoints/best.pt", "scores/eval.best.txt", "final/results.json", "config/train.yaml"):
        assert (system / relative).is_file(), relative
    results = json.loads((system / "final" / "results.json").read_text())
    assert results["settings"]["train"]["model.name"] == "ssl-aasist"
    assert results["settings"]["train"]["training.learning_rate"] == 1e-6  # the published setting, from run_configs
    eval_best = next(row for row in results["results"] if (row["list"], row["checkpoint"]) == ("eval", "best"))
    assert eval_best["counts"]["total"] == len((system / "scores" / "eval.best.txt").read_text().splitlines())


def test_checkpoint_holds_the_fine_tuned_ssl_model_and_the_published_back_end(finished_run):
    weights = torch.load(finished_run["system"] / "checkpoints" / "best.pt", weights_only=True)["model"]
    assert any(name.startswith("ssl_model.model.encoder.layers.") for name in weights)
    assert {"LL.weight", "first_bn1.weight", "attention.0.weight", "pos_S", "out_layer.weight"} <= set(weights)


def test_missing_ssl_model_stops_training_with_the_remedy_and_downloads_nothing(tmp_path):
    corpus = make_mini_la(tmp_path / "corpus", per_class=2)
    cache = tmp_path / "hf"
    result = subprocess.run([*RUN, "sad-off", "train", *overrides(corpus, tmp_path / "output", "facebook/wav2vec2-xls-r-300m")],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=300, env=offline_environment(cache))
    message = result.stdout + result.stderr
    assert result.returncode != 0
    assert "'facebook/wav2vec2-xls-r-300m'" in message and "model.ssl_allow_download=True" in message, message
    assert "asdf convert-fairseq" in message
    assert not any(path.is_file() for path in cache.rglob("*")), "nothing may be downloaded"
