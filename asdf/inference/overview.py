"""A bounded summary of a stream of samples for plotting: waveform envelope and spectrogram columns.

Each store summarises consecutive segments of the stream; when it holds `max_columns` columns, pairs
of neighbours are merged and the segment doubles, so an hour of audio needs no more memory than a minute.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

ENVELOPE_SEGMENT = 64  # samples per envelope column at the start (4 ms at 16 kHz)
SPECTRUM_SEGMENT = 256  # samples per spectrogram column: a 256-point FFT, 62.5 Hz bins at 16 kHz
MAX_COLUMNS = 2048


def _envelope(segment: np.ndarray) -> np.ndarray:
    return np.array([segment.min(), segment.max()], dtype=np.float32)


def _merge_envelope(columns: np.ndarray) -> np.ndarray:
    pairs = columns.reshape(-1, 2, 2)
    return np.stack([pairs[:, :, 0].min(1), pairs[:, :, 1].max(1)], axis=1)


def _power_spectrum(segment: np.ndarray) -> np.ndarray:
    """Mean power spectrum of the segment's Hann-windowed 256-sample frames (the last one zero-padded)."""
    frames = np.zeros(-(-segment.size // SPECTRUM_SEGMENT) * SPECTRUM_SEGMENT, dtype=np.float32)
    frames[: segment.size] = segment
    frames = frames.reshape(-1, SPECTRUM_SEGMENT) * np.hanning(SPECTRUM_SEGMENT).astype(np.float32)
    return (np.abs(np.fft.rfft(frames, axis=1)) ** 2).mean(0).astype(np.float32)


def _merge_power(columns: np.ndarray) -> np.ndarray:
    return columns.reshape(-1, 2, columns.shape[1]).mean(1)


class ColumnStore:
    """Summaries of consecutive segments of a stream, halved in resolution whenever there are too many."""

    def __init__(self, segment: int, summarise: Callable, merge: Callable, max_columns: int = MAX_COLUMNS) -> None:
        self.segment, self.summarise, self.merge, self.max_columns = segment, summarise, merge, max_columns
        self.columns: list[np.ndarray] = []
        self.remainder = np.zeros(0, dtype=np.float32)

    def push(self, samples: np.ndarray) -> None:
        """Add samples; full segments become columns."""
        samples = np.concatenate((self.remainder, samples))
        usable = samples.size // self.segment * self.segment
        for start in range(0, usable, self.segment):
            self.columns.append(self.summarise(samples[start : start + self.segment]))
            if len(self.columns) == self.max_columns:
                self.columns = list(self.merge(np.stack(self.columns)))
                self.segment *= 2
        self.remainder = samples[usable:]

    def finish(self) -> tuple[np.ndarray, int]:
        """(columns [n, values], samples per column); a last partial segment becomes a column too."""
        if self.remainder.size:
            self.columns.append(self.summarise(self.remainder))
            self.remainder = self.remainder[:0]
        return np.stack(self.columns) if self.columns else np.zeros((0, 1), np.float32), self.segment


class Overview:
    """Waveform envelope and spectrogram of a mono stream at `sample_rate`."""

    def __init__(self, sample_rate: int) -> None:
        self.sample_rate = sample_rate
        self.envelope = ColumnStore(ENVELOPE_SEGMENT, _envelope, _merge_envelope)
        self.spectrum = ColumnStore(SPECTRUM_SEGMENT, _power_spectrum, _merge_power)

    def push(self, samples: np.ndarray) -> None:
        """Add mono samples."""
        self.envelope.push(samples)
        self.spectrum.push(samples)
