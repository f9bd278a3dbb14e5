"""Helpers for tests that run the AASIST recipe as a subprocess on a tiny model and a plain-list corpus."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import soundfile

from tests.conftest import REPO_ROOT

RUN_PY = str(REPO_ROOT / "recipes" / "aasist" / "run.py")
# RawNet2 with few filters: a real model that trains a step in a fraction of a second on a CPU
TINY_MODEL = ["model.name='rawnet2'", "model.first_conv=129", "model.filts=[8,[8,8],[8,16],[16,16]]"]


def tiny_overrides(corpus: Path, output: Path, *extra: str) -> list[str]:
    """Settings of a small, deterministic CPU run on a plain-list corpus."""
    return [
        "data.corpus='plain_list'", f"paths.plain_list={corpus}", f"paths.output_folder={output}", *TINY_MODEL,
        "training.epochs=3", "training.batch_size=4", "data.train_samples=4000", "data.eval_samples=4000",
        "computing.network_dataloader_workers=0", "computing.sad_workers=1", "computing.use_gpu=False",
        "computing.torch_threads=1", "training.deterministic=True", "training.progress_interval_s=0",
        "data.eval_lists=['eval']",
        "recipe.system='aasist'",  # set, as the tests read <output>/aasist/ (the default would be aasist-rawnet2)
        *extra,
    ]


def write_plain_corpus(root: Path, per_class: int = 4, seed: int = 0) -> Path:
    """train/dev/eval `.txt` lists of noisy tones (spoofs with a buzz), lengths 0.4 to 1.2 s; return root."""
    rng = np.random.default_rng(seed)
    for split in ("train", "dev", "eval"):
        lines = []
        for index in range(2 * per_class):
            bonafide = index % 2 == 0
            samples = int(rng.integers(6400, 19200))
            time_axis = np.arange(samples) / 16000
            waveform = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 200) * time_axis)
            waveform += 0.05 * rng.standard_normal(samples)
            if not bonafide:
                waveform += 0.2 * np.sign(np.sin(2 * np.pi * 1500 * time_axis))
            relative = f"{split}/{split}_{index:02d}.wav"
            (root / split).mkdir(parents=True, exist_ok=True)
            soundfile.write(root / relative, waveform.astype(np.float32), 16000)
            lines.append(f"{relative} {'bonafide' if bonafide else 'spoof'} {'-' if bonafide else 'S1'} spk{index % 3}")
        (root / f"{split}.txt").write_text("\n".join(lines) + "\n")
    return root


def run_recipe(words: list[str], environment: dict | None = None, timeout: float = 300,
               launcher: list[str] | None = None) -> subprocess.CompletedProcess:
    """Run `run.py words...` (optionally under a launcher such as torchrun) and capture its output."""
    command = [*(launcher or [sys.executable]), RUN_PY, *words]
    return subprocess.run(command, capture_output=True, text=True, cwd=REPO_ROOT, timeout=timeout,
                          env={**os.environ, **(environment or {})})
