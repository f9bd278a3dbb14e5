"""Attack: harmonic-plus-noise vocoder (harmonics of F0 below a cut-off, shaped noise above and in unvoiced frames)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, estimate_f0, hann, istft, spectral_envelope, stft


@dataclass(frozen=True)
class HarmonicPlusNoise:
    """Resynthesise speech from F0, harmonic peak amplitudes and a cepstrally smoothed spectral envelope.

    Voiced frames: sinusoids at multiples of F0 up to `max_voiced_hz`, amplitudes from the STFT peak at
    each harmonic, random initial phases; noise shaped by the envelope fills the band above the cut-off
    and unvoiced frames.
    """

    n_fft: int = 1024
    hop: int = 128
    max_voiced_hz: float = 4000.0
    max_harmonics: int = 60

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform resynthesised by the vocoder (same length, float32)."""
        magnitude = np.abs(stft(waveform, self.n_fft, self.hop))
        envelope = spectral_envelope(magnitude)
        f0 = estimate_f0(waveform, self.hop)[: len(envelope)]
        harmonics = self._harmonics(magnitude, f0, len(waveform), rng)
        noise = self._noise(envelope, f0, len(waveform), rng)
        return (harmonics + noise).astype(np.float32)

    def _harmonics(self, magnitude: np.ndarray, f0: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
        """Sum of harmonics whose frame-wise amplitudes and F0 are interpolated to every sample."""
        frame_times = np.arange(len(f0)) * self.hop
        sample_times = np.arange(length)
        f0_per_sample = np.interp(sample_times, frame_times, f0)
        base_phase = 2 * np.pi * np.cumsum(f0_per_sample) / SAMPLE_RATE
        # A hann-windowed sinusoid of amplitude A peaks at A * sum(window) / 2 in the STFT.
        to_amplitude = 2.0 / hann(self.n_fft).sum()
        bin_hz = SAMPLE_RATE / self.n_fft
        signal = np.zeros(length)
        for number in range(1, self.max_harmonics + 1):
            frequency = number * f0
            audible = (f0 > 0) & (frequency < self.max_voiced_hz)
            if not audible.any():
                break
            level = self._peak_near(magnitude, frequency / bin_hz) * audible * to_amplitude
            amplitude = np.interp(sample_times, frame_times, level)
            signal += amplitude * np.cos(number * base_phase + 2 * np.pi * rng.random())
        return signal

    @staticmethod
    def _peak_near(magnitude: np.ndarray, fractional_bins: np.ndarray) -> np.ndarray:
        """Largest magnitude of each frame within one bin of a (fractional) harmonic bin."""
        centre = np.clip(np.rint(fractional_bins).astype(int), 1, magnitude.shape[1] - 2)
        rows = np.arange(len(magnitude))
        return np.max([magnitude[rows, centre + offset] for offset in (-1, 0, 1)], axis=0)

    def _noise(self, envelope: np.ndarray, f0: np.ndarray, length: int, rng: np.random.Generator) -> np.ndarray:
        """White noise given the envelope's spectral shape where the harmonics do not reach."""
        white = stft(rng.standard_normal(length), self.n_fft, self.hop)
        bins_hz = np.fft.rfftfreq(self.n_fft, 1.0 / SAMPLE_RATE)
        noisy = (f0[:, None] == 0) | (bins_hz[None, :] >= self.max_voiced_hz)
        # Unit-variance noise has an expected STFT magnitude of sqrt(sum(window**2)).
        scale = 1.0 / np.sqrt(np.sum(hann(self.n_fft) ** 2))
        return istft(white * envelope * noisy * scale, self.n_fft, self.hop, length)
