"""Attack: spectral-envelope (formant) warping, a voice-conversion-like change of vocal tract length."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from asdf.corpus_builders.spoofing.dsp import istft, spectral_envelope, stft


@dataclass(frozen=True)
class EnvelopeWarp:
    """Move the formants by a random factor while keeping the harmonics (pitch) and the phase.

    Each frame's magnitude is divided by its cepstral envelope and multiplied by the envelope read at
    frequency f / alpha, with alpha drawn from 1 +/- [min_shift, max_shift]; the original phase is kept.
    """

    min_shift: float = 0.08
    max_shift: float = 0.18
    n_fft: int = 512
    hop: int = 128

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform with its formants shifted (same length, float32)."""
        alpha = 1.0 + rng.choice([-1.0, 1.0]) * rng.uniform(self.min_shift, self.max_shift)
        spectrum = stft(waveform, self.n_fft, self.hop)
        envelope = spectral_envelope(np.abs(spectrum))
        bins = np.arange(envelope.shape[1])
        warped = np.stack([np.interp(bins / alpha, bins, frame) for frame in envelope])
        converted = spectrum * (warped / envelope)
        return istft(converted, self.n_fft, self.hop, len(waveform)).astype(np.float32)
