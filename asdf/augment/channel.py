"""Channel augmentation: a random band limit, as telephone and cheap microphones impose."""

from __future__ import annotations

import numpy as np
from scipy.signal import butter, sosfilt

from asdf.base.settings import AugmentSettings


class BandLimit:
    """High-pass at a random corner in [min_low_hz, max_low_hz], low-pass in [min_high_hz, max_high_hz]."""

    def __init__(self, settings: AugmentSettings, sample_rate: int) -> None:
        self.settings, self.sample_rate = settings, sample_rate

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        settings, nyquist = self.settings, self.sample_rate / 2
        low = rng.uniform(settings.min_low_hz, settings.max_low_hz)
        high = min(rng.uniform(settings.min_high_hz, settings.max_high_hz), 0.99 * nyquist)
        sections = butter(4, [low, high], btype="bandpass", fs=self.sample_rate, output="sos")
        return sosfilt(sections, waveform)
