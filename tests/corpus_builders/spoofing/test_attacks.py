"""Every attack keeps length and rate, is finite, deterministic given a seed, and changes the audio."""

from __future__ import annotations

import numpy as np
import pytest

from asdf.base.errors import DataError
from asdf.corpus_builders.spoofing import ATTACKS, make_attack
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE


def attack(name: str):
    """The attack, or a skip naming the optional package it needs where that is not installed."""
    try:
        return make_attack(name)
    except DataError as error:
        pytest.skip(str(error))


def vowel_like(seconds: float = 1.5) -> np.ndarray:
    """A gliding-pitch harmonic tone with a silent gap and light noise, roughly speech-shaped."""
    rng = np.random.default_rng(7)
    time = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    f0 = 120.0 + 30.0 * np.sin(2 * np.pi * 1.5 * time)
    phase = 2 * np.pi * np.cumsum(f0) / SAMPLE_RATE
    voiced = sum(np.cos(k * phase) / k for k in range(1, 25))
    gate = (time < 0.6) | (time > 0.8)
    return (0.1 * voiced * gate + 0.003 * rng.standard_normal(len(time))).astype(np.float32)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_keeps_length_and_is_finite(name):
    waveform = vowel_like()
    spoofed = attack(name)(waveform, np.random.default_rng(0))
    assert spoofed.dtype == np.float32
    assert spoofed.shape == waveform.shape
    assert np.all(np.isfinite(spoofed))
    assert np.sqrt(np.mean(spoofed**2)) > 1e-3


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_is_deterministic_given_a_seed(name):
    waveform = vowel_like()
    first = attack(name)(waveform, np.random.default_rng(3))
    second = attack(name)(waveform, np.random.default_rng(3))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_attack_changes_the_audio(name):
    waveform = vowel_like()
    spoofed = attack(name)(waveform, np.random.default_rng(0))
    relative_difference = np.linalg.norm(spoofed - waveform) / np.linalg.norm(waveform)
    assert relative_difference > 0.1


def test_unknown_attack_is_refused():
    with pytest.raises(KeyError, match="griffin_lim"):
        make_attack("no_such_attack")


def test_pitch_shift_takes_lengths_whose_frame_positions_overshoot():
    # 75 STFT frames stretched by 44/37 (3 semitones up): a float arange once reached past the last frame
    from asdf.corpus_builders.spoofing.pitch_shift import PitchShift

    shift, waveform = PitchShift(3.0, 3.0), vowel_like(18944 / SAMPLE_RATE)
    for seed in range(4):  # both signs of the shift
        assert shift(waveform, np.random.default_rng(seed)).shape == waveform.shape
