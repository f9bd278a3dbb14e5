"""Attack: WORLD vocoder copy-synthesis (F0, spectral envelope and aperiodicity, then resynthesis)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyworld

from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, fit_length


@dataclass(frozen=True)
class WorldVocoder:
    """Analyse with WORLD (DIO + StoneMask F0, CheapTrick envelope, D4C aperiodicity) and resynthesise.

    DIO rather than Harvest: Harvest is about 40 times slower for a similar copy-synthesis. Like a real
    attacker's set-up, the frame period and a slight F0 scale vary from call to call, drawn from the ranges.
    """

    frame_period_ms: tuple[float, float] = (4.0, 6.0)
    f0_scale: tuple[float, float] = (0.97, 1.03)
    f0_range: tuple[float, float] = (60.0, 400.0)

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform resynthesised by WORLD (same length, float32)."""
        signal = np.ascontiguousarray(waveform, dtype=np.float64)
        frame_period = float(rng.uniform(*self.frame_period_ms))
        f0_floor, f0_ceil = self.f0_range
        f0, times = pyworld.dio(signal, SAMPLE_RATE, f0_floor=f0_floor, f0_ceil=f0_ceil, frame_period=frame_period)
        f0 = pyworld.stonemask(signal, f0, times, SAMPLE_RATE)
        envelope = pyworld.cheaptrick(signal, f0, times, SAMPLE_RATE, f0_floor=f0_floor)
        aperiodicity = pyworld.d4c(signal, f0, times, SAMPLE_RATE)
        scaled_f0 = f0 * rng.uniform(*self.f0_scale)
        speech = pyworld.synthesize(scaled_f0, envelope, aperiodicity, SAMPLE_RATE, frame_period)
        return fit_length(speech, len(waveform)).astype(np.float32)
