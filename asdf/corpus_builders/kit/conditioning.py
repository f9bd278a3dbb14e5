"""Audio conditioning of every file of a built corpus, bona fide or spoof, so level and silence give nothing away."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile

from asdf.base.fileio import atomic_path
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE

FRAME = SAMPLE_RATE // 50  # 20 ms analysis frames for levels
SPEECH_RANGE_DB = 40.0  # frames this far below the loudest one count as silence
TARGET_LEVEL_DBFS = -26.0  # of the active (non-silent) frames
PEAK_LIMIT = 0.99


def frame_levels_db(waveform: np.ndarray) -> np.ndarray:
    """RMS level in dB of consecutive 20 ms frames (the last partial frame dropped)."""
    usable = len(waveform) // FRAME * FRAME
    frames = waveform[:usable].astype(np.float64).reshape(-1, FRAME)
    return 10.0 * np.log10(np.mean(frames**2, axis=1) + 1e-12)


def trim_silence(waveform: np.ndarray, margin_seconds: float) -> np.ndarray:
    """Cut leading and trailing silence, keeping `margin_seconds` of it at each end where there is that much."""
    levels = frame_levels_db(waveform)
    if len(levels) == 0:
        return waveform
    active = np.flatnonzero(levels > levels.max() - SPEECH_RANGE_DB)
    margin = int(margin_seconds * SAMPLE_RATE)
    start = max(0, active[0] * FRAME - margin)
    stop = min(len(waveform), (active[-1] + 1) * FRAME + margin)
    return waveform[start:stop]


def cut_at_pause(waveform: np.ndarray, max_seconds: float) -> np.ndarray:
    """Shorten to at most `max_seconds`, ending in the quietest 20 ms of the last third so no word is cut."""
    limit = int(max_seconds * SAMPLE_RATE)
    if len(waveform) <= limit:
        return waveform
    levels = frame_levels_db(waveform[:limit])
    first_candidate = 2 * len(levels) // 3
    quietest = first_candidate + int(np.argmin(levels[first_candidate:]))
    return waveform[: (quietest + 1) * FRAME]


def condition(waveform: np.ndarray, max_seconds: float, margin_seconds: float = 0.2) -> np.ndarray:
    """Trim silence, cap the duration at a pause, then trim again: the material spoofs are made from."""
    trimmed = trim_silence(waveform, margin_seconds)
    return trim_silence(cut_at_pause(trimmed, max_seconds), margin_seconds)


def normalise_level(waveform: np.ndarray) -> np.ndarray:
    """Remove the DC offset and scale so the active frames sit at TARGET_LEVEL_DBFS (peaks at most PEAK_LIMIT)."""
    # Some vocoders (pulse excitation, random-phase inversion) leave a DC offset real recordings lack.
    waveform = waveform - np.mean(waveform, dtype=np.float64)
    levels = frame_levels_db(waveform)
    if len(levels) == 0 or levels.max() <= -120.0:
        return waveform.astype(np.float32)
    active = levels[levels > levels.max() - SPEECH_RANGE_DB]
    active_level = 10.0 * np.log10(np.mean(10.0 ** (active / 10.0)))
    gain = 10.0 ** ((TARGET_LEVEL_DBFS - active_level) / 20.0)
    gain = min(gain, PEAK_LIMIT / max(float(np.abs(waveform).max()), 1e-9))
    return (waveform * gain).astype(np.float32)


def write_flac(path: Path, waveform: np.ndarray) -> None:
    """Write 16 kHz mono 16-bit FLAC, atomically: an interrupted build never leaves half a file."""
    with atomic_path(path) as temporary:
        soundfile.write(str(temporary), waveform, SAMPLE_RATE, format="FLAC", subtype="PCM_16")
