"""Attack: LPC source-filter vocoder (pulse train or noise through a frame-wise all-pole filter)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.signal import lfilter

from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, estimate_f0, frame_signal, hann, lpc, overlap_add


@dataclass(frozen=True)
class LpcVocoder:
    """Resynthesise speech from LPC parameters, F0 and gain only, as a classic parametric vocoder.

    Each 25 ms frame (50 % overlap) gets an order-`order` all-pole filter; the excitation is a unit-power
    pulse train at the tracked F0 where voiced and white noise where not, the gain the frame's residual power.
    """

    order: int = 18
    frame_length: int = 400
    warm_up: int = 200

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform resynthesised by the vocoder (same length, float32)."""
        hop = self.frame_length // 2
        window = hann(self.frame_length)
        coefficients, error = lpc(frame_signal(waveform, self.frame_length, hop) * window, self.order)
        f0 = estimate_f0(waveform, hop)
        excitation = self._excitation(f0, hop, len(waveform), rng)
        frames = self._filter_frames(excitation, coefficients, np.sqrt(error)) * window
        return overlap_add(frames, hop)[self.frame_length // 2 :][: len(waveform)].astype(np.float32)

    @staticmethod
    def _excitation(f0: np.ndarray, hop: int, length: int, rng: np.random.Generator) -> np.ndarray:
        """Unit-power excitation: pulses at F0 in voiced frames, Gaussian noise elsewhere."""
        frame_of_sample = np.minimum((np.arange(length) + hop // 2) // hop, len(f0) - 1)
        f0_per_sample = f0[frame_of_sample]
        cycles = np.cumsum(f0_per_sample / SAMPLE_RATE)
        pulse_at = np.diff(np.floor(cycles), prepend=0.0) > 0
        voiced = f0_per_sample > 0
        pulses = pulse_at * np.sqrt(SAMPLE_RATE / np.maximum(f0_per_sample, 1.0))
        # A DC blocker: a raw pulse train's DC, amplified by the all-pole filter, would be a give-away offset.
        pulses = lfilter([1.0, -1.0], [1.0, -0.995], pulses)
        return np.where(voiced, pulses, rng.standard_normal(length))

    def _filter_frames(self, excitation: np.ndarray, coefficients: np.ndarray, gains: np.ndarray) -> np.ndarray:
        """Each frame's slice of excitation through that frame's filter, after a warm-up so it starts settled."""
        hop = self.frame_length // 2
        padded = np.pad(excitation, (self.frame_length // 2 + self.warm_up, self.frame_length))
        frames = np.empty((len(coefficients), self.frame_length))
        for index, (denominator, gain) in enumerate(zip(coefficients, gains)):
            start = index * hop
            segment = padded[start : start + self.warm_up + self.frame_length]
            frames[index] = gain * lfilter([1.0], denominator, segment)[self.warm_up :]
        return frames
