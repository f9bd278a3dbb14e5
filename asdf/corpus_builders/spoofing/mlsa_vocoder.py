"""Attack: mel-cepstral analysis and MLSA-filter resynthesis, the classic HTS-style parametric vocoder."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pysptk
from pysptk.synthesis import MLSADF, Synthesizer
from scipy.signal import lfilter

from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, fit_length, frame_signal

_SEED_LIMIT = 2**31 - 1


@dataclass(frozen=True)
class MlsaVocoder:
    """Keep only mel-cepstra (order `order`, warping `alpha`) and F0, then drive an MLSA filter.

    The excitation is a pulse train at the SWIPE' pitch in voiced frames and Gaussian noise (seeded from
    the generator) in unvoiced ones; frames are `frame_length` samples (Blackman), every `hop` samples.
    """

    order: int = 24
    alpha: float = 0.42
    frame_length: int = 512
    hop: int = 80
    f0_range: tuple[float, float] = (60.0, 400.0)
    floor_db: float = 60.0

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform resynthesised by the MLSA vocoder (same length, float32)."""
        signal = np.ascontiguousarray(waveform, dtype=np.float64)
        if len(signal) < self.hop:  # too short for one frame of excitation
            return np.zeros(len(signal), dtype=np.float32)
        mel_cepstra = self._mel_cepstra(signal)
        f0_floor, f0_ceil = self.f0_range
        periods = pysptk.swipe(signal, SAMPLE_RATE, self.hop, min=f0_floor, max=f0_ceil, otype="pitch")
        n_frames = min(len(periods), len(mel_cepstra))
        seed = int(rng.integers(1, _SEED_LIMIT))
        excitation = pysptk.excite(periods[:n_frames], self.hop, gaussian=True, seed=seed)
        # Pade order 5 for a stability margin: with a 70 dB floor the order-4 filter diverged on pure tones.
        synthesizer = Synthesizer(MLSADF(order=self.order, alpha=self.alpha, pd=5), self.hop)
        speech = synthesizer.synthesis(excitation, pysptk.mc2b(mel_cepstra[:n_frames], self.alpha))
        # A DC blocker: the pulse train's DC, shaped by the filter's low-frequency gain, would be an offset.
        speech = lfilter([1.0, -1.0], [1.0, -0.995], speech)
        return fit_length(speech, len(waveform)).astype(np.float32)

    def _mel_cepstra(self, signal: np.ndarray) -> np.ndarray:
        """Mel-cepstra per frame, shape (frames, order + 1); frames centred on multiples of `hop`."""
        frames = frame_signal(signal, self.frame_length, self.hop) * pysptk.blackman(self.frame_length)
        # A periodogram floor `floor_db` under each frame's peak: pure tones or DC would otherwise give
        # cepstra whose MLSA filter diverges, and digital silence a log of zero.
        peaks = np.max(np.abs(np.fft.rfft(frames, axis=-1)) ** 2, axis=-1)
        floors = np.maximum(peaks * 10 ** (-self.floor_db / 10), 1e-12)
        return np.array([self._frame_mel_cepstrum(frame, floor) for frame, floor in zip(frames, floors)])

    def _frame_mel_cepstrum(self, frame: np.ndarray, floor: float) -> np.ndarray:
        """The mel-cepstrum of one windowed frame, `floor` added to its periodogram."""
        return pysptk.sptk.mcep(frame, order=self.order, alpha=self.alpha, etype=1, eps=floor)
