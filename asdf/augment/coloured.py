"""RawBoost algorithm 3: stationary signal-independent additive noise (SSI), coloured by a random filter."""

from __future__ import annotations

import numpy as np

from asdf.augment.filters import filtered, notch_filter, peak_normalised
from asdf.base.settings import RawBoostSettings


class ColouredNoise:
    """White noise through a random notch filter, added at a random SNR in [min_snr_db, max_snr_db]."""

    def __init__(self, settings: RawBoostSettings, sample_rate: int) -> None:
        self.settings, self.sample_rate = settings, sample_rate

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        settings = self.settings
        noise = rng.standard_normal(len(waveform))
        coefficients = notch_filter(rng, settings, self.sample_rate, settings.min_gain_db, settings.max_gain_db)
        noise = peak_normalised(filtered(noise, coefficients), always=True)
        snr_db = rng.uniform(settings.min_snr_db, settings.max_snr_db)
        noise_norm = np.linalg.norm(noise)
        if noise_norm == 0:
            return waveform
        scale = np.linalg.norm(waveform) / noise_norm / 10 ** (snr_db / 20)
        return waveform + scale * noise
