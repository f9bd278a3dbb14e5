"""Cut a stream of [channels, samples] blocks into overlapping windows of the model's input length.

Windows start every `hop` samples; when the last regular window stops short of the end, one more window
is aligned with the end, so every sample is scored and no window is padded. A signal shorter than one
window is tiled (repeated) to the window length, as the official AASIST does in training and evaluation.
"""

from __future__ import annotations

import numpy as np

from asdf.base.errors import ConfigError, DataError
from asdf.data.audio import fit_length


def check_overlap(overlap: float) -> float:
    """`overlap`, refused unless it is a fraction in [0, 1)."""
    if not 0 <= overlap < 1:
        raise ConfigError(f"overlap must be in [0, 1), got {overlap}")
    return overlap


def hop_samples(window_samples: int, overlap: float) -> int:
    """Samples between window starts for an overlap fraction in [0, 1)."""
    return max(1, round(window_samples * (1 - check_overlap(overlap))))


class Windower:
    """Streaming windowing: `push` blocks, then `finish`; both return [(start, window [channels, length])]."""

    def __init__(self, length: int, hop: int) -> None:
        self.length, self.hop = length, hop
        self.buffer: np.ndarray | None = None  # the samples from `offset` to `total`
        self.offset = 0
        self.total = 0
        self.next_start = 0
        self.emitted = 0

    def push(self, block: np.ndarray) -> list[tuple[int, np.ndarray]]:
        """The windows that `block` completes."""
        self.buffer = block if self.buffer is None else np.concatenate((self.buffer, block), axis=1)
        self.total += block.shape[1]
        windows = []
        while self.next_start + self.length <= self.total:
            begin = self.next_start - self.offset
            windows.append((self.next_start, self.buffer[:, begin : begin + self.length].copy()))
            self.next_start += self.hop
        self.emitted += len(windows)
        # keep what the next window needs, and the last full window for an end-aligned final one
        keep_from = max(0, min(self.next_start, self.total - self.length))
        self.buffer = self.buffer[:, keep_from - self.offset :]
        self.offset = keep_from
        return windows

    def finish(self) -> list[tuple[int, np.ndarray]]:
        """The tiled window of a short signal, or the end-aligned last window when one is needed."""
        if self.total == 0:
            raise DataError("no audio samples (empty file)")
        if self.emitted == 0:
            return [(0, np.stack([fit_length(channel, self.length) for channel in self.buffer]))]
        last_end = (self.emitted - 1) * self.hop + self.length
        if last_end < self.total:
            return [(self.total - self.length, self.buffer[:, -self.length :].copy())]
        return []
