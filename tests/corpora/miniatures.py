"""Miniature corpora in their official layouts (a few short files each) for the reader tests."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile


def write_tone(path: Path, seconds: float = 0.2) -> None:
    """A short tone at 16 kHz, in the format the file name's extension says."""
    path.parent.mkdir(parents=True, exist_ok=True)
    samples = int(16000 * seconds)
    soundfile.write(path, (0.2 * np.sin(np.arange(samples) / 5)).astype(np.float32), 16000)


def write_lines(path: Path, lines: list[str]) -> Path:
    """A text file of `lines`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
