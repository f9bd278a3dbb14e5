"""Random notch filters as RawBoost designs them, and the peak normalisation its algorithms share."""

from __future__ import annotations

import numpy as np
from scipy.signal import firwin, freqz, oaconvolve

from asdf.base.settings import RawBoostSettings


def peak_normalised(waveform: np.ndarray, always: bool = False) -> np.ndarray:
    """Scale to a peak of 1 when `always`, or when the peak exceeds 1 (clipping would follow otherwise)."""
    peak = float(np.max(np.abs(waveform))) if waveform.size else 0.0
    if peak > 0 and (always or peak > 1.0):
        return waveform / peak
    return waveform


def _odd_taps(rng: np.random.Generator, settings: RawBoostSettings) -> int:
    """A random odd filter length within the settings' range (band-stop FIRs need an odd length)."""
    taps = int(rng.integers(settings.min_coefficients, settings.max_coefficients + 1))
    return taps if taps % 2 else taps + 1


def notch_filter(rng: np.random.Generator, settings: RawBoostSettings, sample_rate: int, min_gain_db: float,
                 max_gain_db: float) -> np.ndarray:
    """A cascade of `bands` random band-stop FIRs, scaled to a random peak gain in dB."""
    nyquist = sample_rate / 2
    coefficients = np.ones(1)
    for _ in range(settings.bands):
        centre = rng.uniform(settings.min_freq, settings.max_freq)
        half_width = rng.uniform(settings.min_bandwidth, settings.max_bandwidth) / 2
        low = min(max(centre - half_width, 1e-3), nyquist - 2e-3)  # firwin needs 0 < low < high < nyquist
        high = min(max(centre + half_width, low + 1e-3), nyquist - 1e-3)
        band_stop = firwin(_odd_taps(rng, settings), [low, high], window="hamming", fs=sample_rate)
        coefficients = np.convolve(coefficients, band_stop)
    gain_db = rng.uniform(min_gain_db, max_gain_db)
    _, response = freqz(coefficients, 1, fs=sample_rate)
    return 10 ** (gain_db / 20) * coefficients / np.max(np.abs(response))


def filtered(waveform: np.ndarray, coefficients: np.ndarray) -> np.ndarray:
    """FIR filtering aligned with the input (the filters are linear-phase, so 'same' removes their delay)."""
    return oaconvolve(waveform, coefficients, mode="same")
