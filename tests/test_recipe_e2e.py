"""The AASIST recipe end to end on a miniature corpus: sad-off, train, eval, score; then a re-run changes nothing."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from tests.conftest import REPO_ROOT
from tests.mini_corpus import make_mini_la

RUN = [sys.executable, str(REPO_ROOT / "recipes" / "aasist" / "run.py")]
STAGES = ["sad-off", "train", "eval", "score"]


def overrides(corpus: Path, output: Path) -> list[str]:
    """Tiny, fast settings for a miniature corpus."""
    return [
        f"paths.asvspoof2019_la={corpus}", f"paths.output_folder={output}", "model.name='aasist-l'",
        "training.epochs=3", "training.batch_size=4", "data.train_samples=8000", "data.eval_samples=8000",
        "computing.network_dataloader_workers=0", "computing.sad_workers=1", "training.progress_interval_s=0",
        "eval.checkpoints=['best','last']",
    ]


@pytest.fixture(scope="module")
def finished_run(tmp_path_factory) -> dict:
    """Run the four stages as `nohup ... > out.txt` would, watching out.txt while it runs."""
    folder = tmp_path_factory.mktemp("e2e")
    corpus = make_mini_la(folder / "corpus")
    output = folder / "output"
    log_path = folder / "out.txt"
    seen_while_running = False
    with open(log_path, "w") as log:
        process = subprocess.Popen([*RUN, *STAGES, *overrides(corpus, output)], stdout=log,
                                   stderr=subprocess.STDOUT, cwd=REPO_ROOT)
        deadline = time.monotonic() + 600
        while process.poll() is None and time.monotonic() < deadline:
            text = log_path.read_text()
            seen_while_running |= "train epoch 1/3 step" in text and "all done" not in text
            time.sleep(0.05)
        process.wait(timeout=max(deadline - time.monotonic(), 1))
    # aasist-l run by the AASIST recipe: not the recipe's own model, so its own folder <recipe>-<model>
    return {"corpus": corpus, "output": output, "system": output / "aasist-aasist-l", "log": log_path.read_text(),
            "returncode": process.returncode, "seen_while_running": seen_while_running}


def test_run_succeeds_and_leaves_every_artifact(finished_run):
    assert finished_run["returncode"] == 0, finished_run["log"]
    system = finished_run["system"]
    for relative in ("lists/train.tsv", "lists/eval.tsv", "lists/eval.asv_scores.tsv", "checkpoints/epoch_001.pt",
                     "checkpoints/epoch_003.pt", "checkpoints/best.pt", "checkpoints/last.pt",
                     "logs/metrics.jsonl", "scores/eval.best.txt", "scores/dev.last.txt",
                     "results/eval.best.json", "results/eval.best.md", "final/results.txt", "final/results.json",
                     "final/eval.best.asvspoof2019.txt", "final/eval.best.asvspoof2021.txt",
                     "config/train.yaml"):
        assert (system / relative).is_file(), relative


def test_results_hold_eer_and_min_tdcf_per_attack(finished_run):
    results = json.loads((finished_run["system"] / "final" / "results.json").read_text())
    assert results["settings"]["train"]["model.name"] == "aasist-l"
    assert results["settings"]["eval"]["eval.checkpoints"] == ["best", "last"]
    eval_best = next(row for row in results["results"] if (row["list"], row["checkpoint"]) == ("eval", "best"))
    own = json.loads((finished_run["system"] / "results" / "eval.best.json").read_text())
    assert eval_best["eer"] == own["eer"] and eval_best["counts"]["total"] == 8
    assert eval_best["excluded"]["count"] == 0
    assert isinstance(own["min_tdcf"], float) and eval_best["min_tdcf"] == own["min_tdcf"]  # from the ASV scores
    assert set(eval_best["per_attack"]) == {"A07", "A08"}
    table = (finished_run["system"] / "final" / "results.txt").read_text()
    assert table.splitlines()[0].split()[:5] == ["list", "checkpoint", "trials", "excluded", "EER%"]
    assert "model.name = 'aasist-l'" in table and "A07%" in table
    score_lines = (finished_run["system"] / "final" / "eval.best.asvspoof2021.txt").read_text().splitlines()
    assert len(score_lines) == 8 and score_lines[0].split()[0].startswith("LA_E_")


def test_progress_lines_reach_the_log_while_training_runs(finished_run):
    assert finished_run["seen_while_running"], finished_run["log"]
    progress = [line for line in finished_run["log"].splitlines() if "train epoch 2/3 step" in line]
    assert progress and all(token in progress[0] for token in ("loss", "samples/s", "ETA"))
    assert "\r" not in finished_run["log"]
    assert "to resume from here: python recipes/aasist/run.py eval score" in finished_run["log"]


def test_metrics_have_one_line_per_epoch(finished_run):
    lines = (finished_run["system"] / "logs" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]


def _digests(folder: Path) -> dict[str, str]:
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file()}


def test_second_run_skips_every_stage_and_changes_nothing(finished_run):
    before = _digests(finished_run["output"])
    started = time.monotonic()
    again = subprocess.run([*RUN, *STAGES, *overrides(finished_run["corpus"], finished_run["output"])],
                           capture_output=True, text=True, cwd=REPO_ROOT, timeout=300)
    assert again.returncode == 0, again.stdout + again.stderr
    assert again.stdout.count("skipped: its outputs in") == 4
    assert time.monotonic() - started < 60
    assert _digests(finished_run["output"]) == before


def test_unfinished_training_continues_from_last_checkpoint(finished_run, tmp_path):
    system = finished_run["system"]
    done = (system / "checkpoints" / "training_done.json").read_text()
    (system / "checkpoints" / "training_done.json").unlink()  # as if killed after the last epoch's checkpoint
    saved = yaml.safe_load((system / "config" / "train.yaml").read_text())
    assert saved["training"]["epochs"] == 3
    result = subprocess.run([*RUN, "train", *overrides(finished_run["corpus"], finished_run["output"])],
                            capture_output=True, text=True, cwd=REPO_ROOT, timeout=600)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "resuming after epoch 3" in result.stdout
    lines = (system / "logs" / "metrics.jsonl").read_text().splitlines()
    assert [json.loads(line)["epoch"] for line in lines] == [1, 2, 3]
    assert (system / "checkpoints" / "training_done.json").read_text() == done
