"""Attack: mel-spectrogram inversion with (fast) Griffin-Lim phase reconstruction."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asdf.corpus_builders.spoofing.dsp import istft, mel_filterbank, stft


@dataclass(frozen=True)
class GriffinLim:
    """Keep only an 80-band mel magnitude spectrogram, as a TTS acoustic model predicts, then rebuild a waveform.

    The linear magnitude comes from the filterbank's pseudo-inverse; the phase from `n_iter` iterations of
    fast Griffin-Lim (Perraudin et al. 2013) started from random phase, as in early Tacotron systems.
    """

    n_mels: int = 80
    n_fft: int = 1024
    hop: int = 256
    n_iter: int = 32
    momentum: float = 0.99

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform rebuilt from its mel spectrogram (same length, float32)."""
        filterbank = mel_filterbank(self.n_mels, self.n_fft)
        mel = np.abs(stft(waveform, self.n_fft, self.hop)) @ filterbank.T
        magnitude = np.maximum(mel @ np.linalg.pinv(filterbank).T, 0.0)
        phase = np.exp(2j * np.pi * rng.random(magnitude.shape))
        return self._reconstruct(magnitude, phase, len(waveform)).astype(np.float32)

    def _reconstruct(self, magnitude: np.ndarray, phase: np.ndarray, length: int) -> np.ndarray:
        """Fast Griffin-Lim: alternate projections with momentum on the consistent-spectrogram estimate."""
        previous = np.zeros_like(phase)
        for _ in range(self.n_iter):
            rebuilt = stft(istft(magnitude * phase, self.n_fft, self.hop, length), self.n_fft, self.hop)
            accelerated = rebuilt + self.momentum * (rebuilt - previous)
            previous = rebuilt
            phase = accelerated / np.maximum(np.abs(accelerated), 1e-8)
        return istft(magnitude * phase, self.n_fft, self.hop, length)
