"""Attack: pitch shift by phase-vocoder time stretching followed by resampling."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import numpy as np
from scipy.signal import resample_poly

from asdf.corpus_builders.spoofing.dsp import fit_length, istft, stft


@dataclass(frozen=True)
class PitchShift:
    """Shift pitch and formants together by a random +/- [min_semitones, max_semitones] (duration kept).

    The phase vocoder stretches time by the pitch ratio p/q (frame-wise phase advance from the measured
    instantaneous frequency), then polyphase resampling by q/p restores the duration and moves every
    frequency by p/q.
    """

    min_semitones: float = 2.0
    max_semitones: float = 4.0
    n_fft: int = 1024
    hop: int = 256

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform shifted in pitch (same length, float32)."""
        semitones = rng.choice([-1.0, 1.0]) * rng.uniform(self.min_semitones, self.max_semitones)
        ratio = Fraction(2.0 ** (semitones / 12.0)).limit_denominator(40)
        stretched = self._stretch(waveform, float(ratio))
        shifted = resample_poly(stretched, ratio.denominator, ratio.numerator)
        return fit_length(shifted, len(waveform)).astype(np.float32)

    def _stretch(self, waveform: np.ndarray, factor: float) -> np.ndarray:
        """Phase-vocoder time stretch making the signal `factor` times longer."""
        spectrum = stft(waveform, self.n_fft, self.hop)
        positions = np.arange(0.0, len(spectrum) - 1, 1.0 / factor)
        positions = positions[positions < len(spectrum) - 1]  # arange in floats can overshoot its stop by one step
        lower = positions.astype(int)
        weight = (positions - lower)[:, None]
        magnitude = (1 - weight) * np.abs(spectrum[lower]) + weight * np.abs(spectrum[lower + 1])
        expected = 2 * np.pi * self.hop * np.arange(spectrum.shape[1]) / self.n_fft
        deviation = np.angle(spectrum[1:]) - np.angle(spectrum[:-1]) - expected
        deviation = np.angle(np.exp(1j * deviation))
        advance = expected + deviation[lower]
        phase = np.angle(spectrum[0]) + np.concatenate([np.zeros((1, len(expected))), np.cumsum(advance[:-1], axis=0)])
        return istft(magnitude * np.exp(1j * phase), self.n_fft, self.hop, int(round(len(waveform) * factor)))
