"""RawBoost: each algorithm changes the signal as published, reproducibly, within the published ranges."""

from __future__ import annotations

import numpy as np
import pytest

from asdf.augment.coloured import ColouredNoise
from asdf.augment.convolutive import ConvolutiveNoise
from asdf.augment.filters import notch_filter
from asdf.augment.impulsive import ImpulsiveNoise
from asdf.augment.rawboost import COMBINATIONS, build_rawboost
from asdf.base.errors import ConfigError
from asdf.base.settings import RawBoostSettings


@pytest.fixture
def speech_like(rng) -> np.ndarray:
    """One second of a noisy harmonic tone."""
    time_axis = np.arange(16000) / 16000
    return (0.4 * np.sin(2 * np.pi * 150 * time_axis) + 0.02 * rng.standard_normal(16000)).astype(np.float32)


def test_published_defaults():
    settings = RawBoostSettings()
    assert (settings.filters, settings.bands, settings.min_freq, settings.max_freq) == (5, 5, 20, 8000)
    assert (settings.min_coefficients, settings.max_coefficients, settings.min_bias_db, settings.max_bias_db) == (10, 100, 5, 20)
    assert (settings.impulse_percent, settings.impulse_gain, settings.min_snr_db, settings.max_snr_db) == (10, 2, 10, 40)


@pytest.mark.parametrize("algorithm", sorted(COMBINATIONS))
def test_every_combination_is_reproducible_and_bounded(speech_like, algorithm):
    augment = build_rawboost(RawBoostSettings(algorithm=algorithm), 16000)
    first = augment(speech_like, np.random.default_rng(7))
    again = augment(speech_like, np.random.default_rng(7))
    assert first.shape == speech_like.shape and np.array_equal(first, again)
    assert np.isfinite(first).all() and not np.allclose(first, speech_like)
    if algorithm != 3:  # only the additive coloured noise may exceed the input's peak
        assert np.abs(first).max() <= 1.0 + 1e-9


def test_impulsive_noise_touches_at_most_the_set_share(speech_like):
    quiet = 0.2 * speech_like  # impulses (at most 3x a sample) stay below 1, so no peak normalisation
    output = ImpulsiveNoise(RawBoostSettings(impulse_percent=10))(quiet, np.random.default_rng(1))
    assert 0 < np.mean(output != quiet) <= 0.10


def test_coloured_noise_is_added_at_the_drawn_snr(speech_like):
    settings = RawBoostSettings(min_snr_db=20, max_snr_db=20)
    noise = ColouredNoise(settings, 16000)(speech_like, np.random.default_rng(2)) - speech_like
    snr = 20 * np.log10(np.linalg.norm(speech_like) / np.linalg.norm(noise))
    assert snr == pytest.approx(20, abs=1e-6)


def test_notch_filter_peak_gain_is_the_drawn_gain():
    coefficients = notch_filter(np.random.default_rng(3), RawBoostSettings(), 16000, -6.0, -6.0)
    response = np.abs(np.fft.rfft(coefficients, 1 << 15))
    assert 20 * np.log10(response.max()) == pytest.approx(-6.0, abs=0.05)


def test_convolutive_noise_keeps_mean_zero(speech_like):
    output = ConvolutiveNoise(RawBoostSettings(), 16000)(speech_like, np.random.default_rng(4))
    assert abs(output.mean()) < 1e-9


def test_unknown_algorithm_is_refused():
    with pytest.raises(ConfigError, match="rawboost.algorithm"):
        build_rawboost(RawBoostSettings(algorithm=9), 16000)
