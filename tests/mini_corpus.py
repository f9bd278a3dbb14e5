"""A miniature ASVspoof 2019 LA in the official layout, made of synthetic audio, for fast tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

SPLITS = {"train": ("T", "train.trn"), "dev": ("D", "dev.trl"), "eval": ("E", "eval.trl")}
ATTACKS = {"train": ["A01", "A02"], "dev": ["A01", "A02"], "eval": ["A07", "A08"]}


def _utterance(rng: np.random.Generator, bonafide: bool, samples: int) -> np.ndarray:
    """Bona fide: noisy harmonic tone; spoof: the same plus a buzz, so a model can learn something."""
    time = np.arange(samples) / 16000
    tone = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 200) * time)
    noise = 0.05 * rng.standard_normal(samples)
    buzz = 0.0 if bonafide else 0.2 * np.sign(np.sin(2 * np.pi * 1500 * time))
    return (tone + noise + buzz).astype(np.float32)


def make_mini_la(root: Path, per_class: int = 4, samples: int = 8000, seed: int = 0) -> Path:
    """Write `per_class` bona fide and spoof files per split plus protocols and ASV scores; return root."""
    rng = np.random.default_rng(seed)
    la = root / "LA"
    for split, (letter, suffix) in SPLITS.items():
        folder = la / f"ASVspoof2019_LA_{split}" / "flac"
        folder.mkdir(parents=True, exist_ok=True)
        lines = []
        for index in range(2 * per_class):
            bonafide = index < per_class
            utt_id = f"LA_{letter}_{1000000 + index:07d}"
            soundfile.write(folder / f"{utt_id}.flac", _utterance(rng, bonafide, samples), 16000)
            attack = "-" if bonafide else ATTACKS[split][index % 2]
            lines.append(f"LA_{index % 3:04d} {utt_id} - {attack} {'bonafide' if bonafide else 'spoof'}")
        protocols = la / "ASVspoof2019_LA_cm_protocols"
        protocols.mkdir(exist_ok=True)
        (protocols / f"ASVspoof2019.LA.cm.{suffix}.txt").write_text("\n".join(lines) + "\n")
        if split != "train":
            _write_asv_scores(la, split, rng)
    return root


def _write_asv_scores(la: Path, split: str, rng: np.random.Generator) -> None:
    """ASV scores: targets high, non-targets low, spoofs in between."""
    folder = la / "ASVspoof2019_LA_asv_scores"
    folder.mkdir(exist_ok=True)
    rows = [f"bonafide target {rng.normal(3, 1):.4f}" for _ in range(20)]
    rows += [f"bonafide nontarget {rng.normal(-3, 1):.4f}" for _ in range(40)]
    rows += [f"A07 spoof {rng.normal(1, 1.5):.4f}" for _ in range(20)]
    (folder / f"ASVspoof2019.LA.asv.{split}.gi.trl.scores.txt").write_text("\n".join(rows) + "\n")
