"""DSP helpers shared by the attacks and the demo ASV system: framing, STFT, mel bands, envelope, F0, LPC."""

from __future__ import annotations

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view
from scipy.linalg import solve_toeplitz

SAMPLE_RATE = 16000
_EPS = 1e-10


def fit_length(signal: np.ndarray, length: int) -> np.ndarray:
    """`signal` cut or zero-padded at the end to exactly `length` samples."""
    if len(signal) >= length:
        return signal[:length]
    return np.pad(signal, (0, length - len(signal)))


def frame_signal(signal: np.ndarray, frame_length: int, hop: int) -> np.ndarray:
    """Frames centred on multiples of `hop`, shape (1 + len // hop, frame_length)."""
    # Zero padding, not reflection: reflected edges would invent periodicity for the F0 tracker.
    half = frame_length // 2
    padded = np.pad(signal, (half, frame_length - half))
    return sliding_window_view(padded, frame_length)[::hop][: 1 + len(signal) // hop]


def hann(length: int) -> np.ndarray:
    """Periodic Hann window (its 50 %/75 % overlaps sum to a constant)."""
    return 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(length) / length)


def stft(signal: np.ndarray, n_fft: int, hop: int) -> np.ndarray:
    """Centred Hann STFT, shape (frames, n_fft // 2 + 1)."""
    return np.fft.rfft(frame_signal(signal, n_fft, hop) * hann(n_fft), axis=-1)


def overlap_add(frames: np.ndarray, hop: int) -> np.ndarray:
    """Sum frames spaced `hop` apart; the frame length must be a multiple of `hop`."""
    n_frames, frame_length = frames.shape
    blocks_per_frame = frame_length // hop
    blocks = frames.reshape(n_frames, blocks_per_frame, hop)
    summed = np.zeros((n_frames + blocks_per_frame - 1, hop))
    for block in range(blocks_per_frame):
        summed[block : block + n_frames] += blocks[:, block]
    return summed.reshape(-1)


def istft(spectrum: np.ndarray, n_fft: int, hop: int, length: int) -> np.ndarray:
    """Inverse of `stft` by weighted overlap-add, `length` samples long."""
    window = hann(n_fft)
    frames = np.fft.irfft(spectrum, n=n_fft, axis=-1) * window
    signal = overlap_add(frames, hop)
    weight = overlap_add(np.tile(window**2, (len(spectrum), 1)), hop)
    signal = signal / np.maximum(weight, 1e-3)
    return fit_length(signal[n_fft // 2 :], length)


def mel_filterbank(n_mels: int, n_fft: int, sample_rate: int = SAMPLE_RATE) -> np.ndarray:
    """Triangular filters on the HTK mel scale from 0 Hz to Nyquist, shape (n_mels, n_fft // 2 + 1)."""
    top_mel = 2595.0 * np.log10(1.0 + sample_rate / 2 / 700.0)
    edges_hz = 700.0 * (10 ** (np.linspace(0.0, top_mel, n_mels + 2) / 2595.0) - 1.0)
    bins_hz = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bins_hz - lower) / (centre - lower)
    falling = (upper - bins_hz) / (upper - centre)
    return np.maximum(0.0, np.minimum(rising, falling))


def spectral_envelope(magnitude: np.ndarray, n_cepstra: int = 30) -> np.ndarray:
    """Smooth envelope of magnitude spectra (frames, bins) by low-quefrency cepstral liftering."""
    n_fft = 2 * (magnitude.shape[-1] - 1)
    cepstrum = np.fft.irfft(np.log(magnitude + _EPS), n=n_fft, axis=-1)
    cepstrum[:, n_cepstra : n_fft - n_cepstra + 1] = 0.0
    return np.exp(np.fft.rfft(cepstrum, axis=-1).real)


def estimate_f0(
    signal: np.ndarray, hop: int, f0_range: tuple[float, float] = (60.0, 400.0), threshold: float = 0.45
) -> np.ndarray:
    """Frame-wise F0 in Hz by normalised autocorrelation (0 where unvoiced), frames as `frame_signal`."""
    frame_length = 2 * int(SAMPLE_RATE / f0_range[0])
    frames = frame_signal(signal, frame_length, hop) * hann(frame_length)
    power = np.abs(np.fft.rfft(frames, n=2 * frame_length, axis=-1)) ** 2
    autocorrelation = np.fft.irfft(power, axis=-1)[:, :frame_length]
    energy = autocorrelation[:, 0]
    shortest, longest = int(SAMPLE_RATE / f0_range[1]), int(SAMPLE_RATE / f0_range[0])
    lag_window = autocorrelation[:, shortest : longest + 1] / (energy[:, None] + _EPS)
    best = np.argmax(lag_window, axis=-1)
    peak = lag_window.max(axis=-1)
    # A maximum at the shortest lag is the slope of low-frequency noise (hum), not a period.
    interior = (best > 0) & (best < lag_window.shape[1] - 1)
    # Quiet frames (40 dB below the loudest) are unvoiced whatever their periodicity.
    voiced = (peak > threshold) & interior & (energy > energy.max() * 1e-4)
    best_lag = shortest + best
    return np.where(voiced, SAMPLE_RATE / best_lag, 0.0)


def lpc(frames: np.ndarray, order: int) -> tuple[np.ndarray, np.ndarray]:
    """All-pole coefficients [1, a1..ap] per windowed frame and the prediction error power per sample."""
    spectrum = np.abs(np.fft.rfft(frames, n=2 * frames.shape[-1], axis=-1)) ** 2
    autocorrelation = np.fft.irfft(spectrum, axis=-1)[:, : order + 1]
    # A slight white-noise floor keeps the Toeplitz systems of near-silent frames solvable.
    autocorrelation[:, 0] = autocorrelation[:, 0] * (1 + 1e-4) + _EPS
    coefficients = np.ones((len(frames), order + 1))
    for index, row in enumerate(autocorrelation):
        coefficients[index, 1:] = -solve_toeplitz(row[:order], row[1:])
    error = np.sum(coefficients * autocorrelation, axis=-1) / frames.shape[-1]
    return coefficients, np.maximum(error, _EPS)
