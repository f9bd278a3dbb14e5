"""Codec round trips and band limiting, and the augmentation chain built from settings."""

from __future__ import annotations

import logging

import numpy as np
import pytest

from asdf.augment import build_augmentation
from asdf.augment.channel import BandLimit
from asdf.augment.codecs import CODECS, CodecRoundTrip, codec_available
from asdf.base.settings import AugmentSettings, Settings


@pytest.fixture
def tone() -> np.ndarray:
    return (0.3 * np.sin(2 * np.pi * 440 * np.arange(8000) / 16000)).astype(np.float32)


@pytest.mark.parametrize("name", sorted(CODECS))
def test_round_trip_keeps_length_and_changes_little(tone, name):
    if not codec_available(name):
        pytest.skip(f"this libsndfile has no {name}")
    output = CodecRoundTrip(name, 16000)(tone, np.random.default_rng(0))
    assert output.shape == tone.shape and np.isfinite(output).all()
    assert not np.array_equal(output, tone)


def test_refusing_codec_leaves_the_crop_and_says_so_once(tone, caplog):
    codec = CodecRoundTrip("opus", 44100)  # Opus refuses 44.1 kHz
    if not codec_available("opus"):
        pytest.skip("this libsndfile has no Opus")
    with caplog.at_level(logging.WARNING, logger="asdf"):
        outputs = [codec(tone, np.random.default_rng(seed)) for seed in range(2)]
    assert all(output is tone for output in outputs)
    assert sum("refused" in record.message for record in caplog.records) == 1


def test_band_limit_removes_low_frequencies():
    low_hum = np.sin(2 * np.pi * 20 * np.arange(16000) / 16000)
    output = BandLimit(AugmentSettings(min_low_hz=300, max_low_hz=300), 16000)(low_hum, np.random.default_rng(0))
    assert np.abs(output[4000:]).max() < 0.05


def test_chain_from_settings_is_none_when_off_and_seeded_when_on(tone):
    settings = Settings()
    assert build_augmentation(settings) is None
    settings.rawboost.algorithm, settings.augment.probability = 5, 1.0
    settings.augment.codecs = ["band", "mulaw"]
    chain = build_augmentation(settings)
    assert np.array_equal(chain(tone, np.random.default_rng(5)), chain(tone, np.random.default_rng(5)))
