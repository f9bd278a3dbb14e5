"""Windowing: regular starts, an end-aligned last window, tiling of short signals, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from asdf.base.errors import ConfigError, DataError
from asdf.inference.windows import Windower, hop_samples


def _windows(total: int, length: int, hop: int, block: int):
    signal = np.arange(total, dtype=np.float32)[None]
    windower = Windower(length, hop)
    found = []
    for start in range(0, total, block):
        found += windower.push(signal[:, start : start + block])
    return signal, found + windower.finish()


@pytest.mark.parametrize("block", [777, 64600, 200000])
def test_windows_cover_the_signal_and_end_at_its_end(block):
    signal, windows = _windows(150_000, 64600, 32300, block)
    assert [start for start, _ in windows] == [0, 32300, 64600, 85400]
    for start, window in windows:
        np.testing.assert_array_equal(window[0], signal[0, start : start + 64600])


def test_no_extra_window_when_the_last_one_ends_exactly_at_the_end():
    _, windows = _windows(3000, 1000, 500, 128)
    assert [start for start, _ in windows] == [0, 500, 1000, 1500, 2000]


def test_short_signal_is_tiled_to_one_window():
    signal, windows = _windows(300, 1000, 500, 128)
    (start, window), = windows
    assert start == 0 and window.shape == (1, 1000)
    np.testing.assert_array_equal(window[0, 300:600], signal[0])


def test_empty_signal_is_an_error():
    with pytest.raises(DataError, match="empty"):
        Windower(1000, 500).finish()


@pytest.mark.parametrize("overlap, hop", [(0.0, 64600), (0.5, 32300), (0.75, 16150)])
def test_hop_from_overlap(overlap, hop):
    assert hop_samples(64600, overlap) == hop


@pytest.mark.parametrize("overlap", [-0.1, 1.0])
def test_overlap_outside_zero_to_one_is_refused(overlap):
    with pytest.raises(ConfigError, match="overlap"):
        hop_samples(64600, overlap)
