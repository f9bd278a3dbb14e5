"""RawBoost (Tak et al., ICASSP 2022): its eight published combinations of the three noise algorithms."""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from asdf.augment.coloured import ColouredNoise
from asdf.augment.convolutive import ConvolutiveNoise
from asdf.augment.filters import peak_normalised
from asdf.augment.impulsive import ImpulsiveNoise
from asdf.base.errors import ConfigError
from asdf.base.settings import RawBoostSettings

Step = Callable[[np.ndarray, np.random.Generator], np.ndarray]

# algorithm number -> (which of 1 LnL, 2 ISD, 3 SSI, how they combine)
COMBINATIONS = {
    1: ((1,), "series"), 2: ((2,), "series"), 3: ((3,), "series"), 4: ((1, 2, 3), "series"),
    5: ((1, 2), "series"), 6: ((1, 3), "series"), 7: ((2, 3), "series"), 8: ((1, 2), "parallel"),
}


class Series:
    """Each step on the output of the one before."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        for step in self.steps:
            waveform = step(waveform, rng)
        return waveform


class Parallel:
    """Every step on the input; their outputs summed (and peak-limited to 1)."""

    def __init__(self, steps: Sequence[Step]) -> None:
        self.steps = list(steps)

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        return peak_normalised(sum(step(waveform, rng) for step in self.steps))


def build_rawboost(settings: RawBoostSettings, sample_rate: int) -> Step:
    """The combination `settings.algorithm` (1-8) names."""
    if settings.algorithm not in COMBINATIONS:
        raise ConfigError(f"rawboost.algorithm must be 0 (off) or one of 1-8, got {settings.algorithm}")
    algorithms = {1: lambda: ConvolutiveNoise(settings, sample_rate), 2: lambda: ImpulsiveNoise(settings),
                  3: lambda: ColouredNoise(settings, sample_rate)}
    numbers, combination = COMBINATIONS[settings.algorithm]
    steps = [algorithms[number]() for number in numbers]
    return Parallel(steps) if combination == "parallel" else Series(steps)
