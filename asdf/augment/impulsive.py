"""RawBoost algorithm 2: impulsive signal-dependent additive noise (ISD), like clicks from clipping or bad gear."""

from __future__ import annotations

import numpy as np

from asdf.augment.filters import peak_normalised
from asdf.base.settings import RawBoostSettings


class ImpulsiveNoise:
    """Up to `impulse_percent` % of the samples get noise proportional to themselves (gain `impulse_gain`)."""

    def __init__(self, settings: RawBoostSettings) -> None:
        self.settings = settings

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        share = rng.uniform(0, self.settings.impulse_percent) / 100
        positions = rng.permutation(len(waveform))[: int(len(waveform) * share)]
        # the product of two uniform(-1, 1) draws: impulses mostly small, sometimes large
        factors = (2 * rng.random(len(positions)) - 1) * (2 * rng.random(len(positions)) - 1)
        output = waveform.astype(np.float64)
        output[positions] += self.settings.impulse_gain * output[positions] * factors
        return peak_normalised(output)
