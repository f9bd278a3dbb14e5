"""The level of the loudest 20 ms frame of a stream, per channel: is there anything to judge in a file?
And the share of its samples at full scale: is it clipped?

Frames are consecutive and do not overlap; a frame's level is its RMS about its own mean, in dB relative
to full scale (1.0), so a constant DC offset counts as silence. Only the running maximum is kept.
"""

from __future__ import annotations

import numpy as np

FRAME_S = 0.02
SILENCE_DBFS = -60.0  # a file whose loudest frame is not above this is silent
FULL_SCALE = 0.999  # decoded samples at least this large (16-bit full scale is 32767/32768) count as clipped


class LoudestFrame:
    """Streaming: `push` [channels, samples] blocks, then `finish` for each channel's loudest frame in dBFS."""

    def __init__(self, sample_rate: int) -> None:
        self.frame = max(1, round(FRAME_S * sample_rate))
        self.remainder: np.ndarray | None = None  # samples of the frame being filled
        self.power: np.ndarray | None = None  # per channel, the largest frame power so far

    def push(self, block: np.ndarray) -> None:
        """Add samples; complete frames are measured."""
        samples = block if self.remainder is None else np.concatenate((self.remainder, block), axis=1)
        usable = samples.shape[1] // self.frame * self.frame
        if usable:
            frames = samples[:, :usable].reshape(samples.shape[0], -1, self.frame)
            self._keep_loudest(frames.var(axis=2, dtype=np.float64).max(axis=1))
        self.remainder = samples[:, usable:]

    def finish(self) -> np.ndarray:
        """dBFS of each channel's loudest frame (a last, shorter frame included); -inf for digital silence."""
        if self.remainder is not None and self.remainder.shape[1]:
            self._keep_loudest(self.remainder.var(axis=1, dtype=np.float64))
            self.remainder = self.remainder[:, :0]
        if self.power is None:
            return np.full(1, -np.inf)
        with np.errstate(divide="ignore"):
            return 10 * np.log10(self.power)

    def _keep_loudest(self, power: np.ndarray) -> None:
        self.power = power if self.power is None else np.maximum(self.power, power)


def loudest_frame_dbfs(waveform: np.ndarray, sample_rate: int) -> float:
    """dBFS of the loudest 20 ms frame of a whole mono waveform (sad-off's silence check)."""
    frames = LoudestFrame(sample_rate)
    frames.push(waveform[None, :])
    return float(frames.finish()[0])


class FullScaleShare:
    """Streaming: `push` [channels, samples] blocks at the file's own rate, then `finish` for the share of each
    channel's samples at full scale (resampling would smear the flat tops that give clipping away)."""

    def __init__(self) -> None:
        self.clipped: np.ndarray | None = None
        self.samples = 0

    def push(self, block: np.ndarray) -> None:
        """Count the full-scale samples of a block."""
        counts = np.count_nonzero(np.abs(block) >= FULL_SCALE, axis=1)
        self.clipped = counts if self.clipped is None else self.clipped + counts
        self.samples += block.shape[1]

    def finish(self) -> np.ndarray:
        """Each channel's share of samples at full scale (0 for an empty stream)."""
        if self.clipped is None or not self.samples:
            return np.zeros(1)
        return self.clipped / self.samples
