"""A full disk while an epoch is saved: retried until it clears, or one clear line and a run that resumes from
the last complete epoch; a file that is not a checkpoint given as model.pretrained stops before any work."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import soundfile

from tests.training.tiny_runs import run_recipe, tiny_overrides, write_plain_corpus

STAGES = ["sad-off", "train"]


def _error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if " ERROR " in line]


def _epochs(system: Path) -> list[int]:
    return [json.loads(line)["epoch"] for line in (system / "logs" / "metrics.jsonl").read_text().splitlines()]


def test_a_disk_full_for_a_while_is_waited_out_and_nothing_is_lost(tmp_path: Path):
    corpus = write_plain_corpus(tmp_path / "corpus")
    words = [*STAGES, *tiny_overrides(corpus, tmp_path / "out", "computing.write_retry_s=2")]
    result = run_recipe(words, {"ASDF_DISK_FULL_AT": "write last.pt 2", "ASDF_DISK_FULL_TIMES": "2"})
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("last.pt: no space left on the device; epoch 2 is kept in memory") == 2
    assert "Traceback" not in result.stdout + result.stderr
    assert _epochs(tmp_path / "out" / "aasist") == [1, 2, 3]


def test_a_disk_that_stays_full_stops_with_one_line_and_the_run_resumes(tmp_path: Path):
    corpus = write_plain_corpus(tmp_path / "corpus")
    words = [*STAGES, *tiny_overrides(corpus, tmp_path / "out", "computing.write_retry_s=0")]
    result = run_recipe(words, {"ASDF_DISK_FULL_AT": "write epoch_002.pt 2"})
    assert result.returncode == 1, result.stdout + result.stderr
    system = tmp_path / "out" / "aasist"
    assert _error_lines(result.stdout) == [_error_lines(result.stdout)[0]]
    assert f"cannot write {system / 'checkpoints' / 'epoch_002.pt'}: no space left on the device; epoch 2 was " \
           "not saved" in _error_lines(result.stdout)[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert _epochs(system) == [1] and not list((system / "checkpoints").glob(".*.tmp"))
    resumed = run_recipe(words)
    assert resumed.returncode == 0 and "resuming after epoch 1" in resumed.stdout, resumed.stdout
    assert _epochs(system) == [1, 2, 3]


def test_a_pretrained_file_that_is_not_a_checkpoint_stops_before_any_stage(tmp_path: Path):
    corpus = write_plain_corpus(tmp_path / "corpus")
    not_a_checkpoint = tmp_path / "speech.wav"
    soundfile.write(not_a_checkpoint, np.zeros(1600, dtype=np.float32), 16000)
    result = run_recipe([*STAGES, *tiny_overrides(corpus, tmp_path / "out", f"model.pretrained={not_a_checkpoint}")])
    assert result.returncode == 2, result.stdout + result.stderr
    errors = _error_lines(result.stdout)
    assert len(errors) == 1 and f"model.pretrained: {not_a_checkpoint}" in errors[0]
    assert "Traceback" not in result.stdout + result.stderr
    assert not (tmp_path / "out" / "aasist" / "lists").exists()  # sad-off did not run
