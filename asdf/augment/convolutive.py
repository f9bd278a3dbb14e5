"""RawBoost algorithm 1: linear and non-linear convolutive noise (LnL), a channel with harmonic distortion."""

from __future__ import annotations

import numpy as np

from asdf.augment.filters import filtered, notch_filter, peak_normalised
from asdf.base.settings import RawBoostSettings


class ConvolutiveNoise:
    """Sum over j = 1..filters of a random notch filter applied to x**j; higher powers are attenuated."""

    def __init__(self, settings: RawBoostSettings, sample_rate: int) -> None:
        self.settings, self.sample_rate = settings, sample_rate

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        settings = self.settings
        output = np.zeros(len(waveform))
        for power in range(1, settings.filters + 1):
            low, high = settings.min_gain_db, settings.max_gain_db
            if power > 1:  # non-linear terms are weaker by min_bias_db to max_bias_db
                low, high = low - settings.max_bias_db, high - settings.min_bias_db
            coefficients = notch_filter(rng, settings, self.sample_rate, low, high)
            output += filtered(waveform.astype(np.float64) ** power, coefficients)
        return peak_normalised(output - output.mean())
