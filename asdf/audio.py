"""Audio I/O and length fitting: decode with soundfile, mix down, resample, crop or tile."""

from __future__ import annotations

from math import gcd
from pathlib import Path

import numpy as np
import soundfile
from scipy.signal import resample_poly

from asdf.errors import DataError


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Decode `path` to float32 mono at `sample_rate`; raise DataError naming the file if it cannot be read."""
    try:
        waveform, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except (RuntimeError, soundfile.LibsndfileError, OSError) as error:
        raise DataError(f"{path}: cannot decode audio ({error})") from None
    mono = waveform.mean(axis=1) if waveform.shape[1] > 1 else waveform[:, 0]
    return resample(mono, file_rate, sample_rate)


def resample(waveform: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Anti-aliased polyphase resampling; returns float32."""
    if source_rate == target_rate:
        return np.ascontiguousarray(waveform, dtype=np.float32)
    divisor = gcd(source_rate, target_rate)
    return resample_poly(waveform, target_rate // divisor, source_rate // divisor).astype(np.float32)


def fit_length(waveform: np.ndarray, length: int, start: int = 0) -> np.ndarray:
    """Cut `length` samples from `start`; a shorter waveform is first tiled (repeated) as the official AASIST does."""
    if waveform.size == 0:
        raise DataError("cannot fit an empty waveform to a length")
    needed = start + length
    if waveform.shape[0] < needed:
        repeats = -(-needed // waveform.shape[0])
        waveform = np.tile(waveform, repeats)
    return waveform[start : start + length]
