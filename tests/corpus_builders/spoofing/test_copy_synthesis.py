"""Copy-synthesis attacks (WORLD, MLSA, Codec 2): same length, deterministic, a resynthesis that keeps the speech."""

from __future__ import annotations

import sys

import numpy as np
import pytest

import asdf
from asdf.base.errors import ConfigError, DataError
from asdf.corpus_builders.spoofing import attack_version, make_attack
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, estimate_f0
from asdf.data.audio import read_audio

PACKAGES = {"world_vocoder": "pyworld", "mlsa_vocoder": "pysptk", "codec2": "pycodec2"}
MODULES = {
    "world_vocoder": "asdf.corpus_builders.spoofing.world_vocoder",
    "mlsa_vocoder": "asdf.corpus_builders.spoofing.mlsa_vocoder",
    "codec2": "asdf.corpus_builders.spoofing.codec2",
}
FRAME = SAMPLE_RATE // 50  # 20 ms
UTTERANCE = "speech/librispeech/test-other/1998/1998-15444-0001.flac"


def attack(name: str):
    """The named attack, skipping the test when its optional package is not installed."""
    pytest.importorskip(PACKAGES[name], reason=f"{name} needs the optional package {PACKAGES[name]}")
    return make_attack(name)


def harmonic(f0: float = 150.0, seconds: float = 1.0) -> np.ndarray:
    """A steady harmonic tone (harmonics to 3.6 kHz, falling 6 dB/octave) with light noise."""
    time = np.arange(int(seconds * SAMPLE_RATE)) / SAMPLE_RATE
    tone = sum(np.cos(2 * np.pi * k * f0 * time) / k for k in range(1, 25))
    noise = np.random.default_rng(5).standard_normal(len(time))
    return (0.1 * tone + 0.002 * noise).astype(np.float32)


def energy_envelope_db(waveform: np.ndarray) -> np.ndarray:
    """Energy of 20 ms frames in dB, floored 60 dB under the loudest so silence noise does not dominate."""
    n_frames = len(waveform) // FRAME
    energy = np.mean(waveform[: n_frames * FRAME].reshape(n_frames, FRAME) ** 2, axis=1)
    decibels = 10 * np.log10(energy + 1e-12)
    return np.maximum(decibels, decibels.max() - 60)


def share_above(waveform: np.ndarray, hertz: float) -> float:
    """Fraction of the signal's energy above `hertz`."""
    power = np.abs(np.fft.rfft(waveform)) ** 2
    return float(power[np.fft.rfftfreq(len(waveform), 1 / SAMPLE_RATE) > hertz].sum() / power.sum())


@pytest.fixture(scope="module")
def speech(shared_data) -> np.ndarray:
    """Three seconds of a real LibriSpeech utterance."""
    return read_audio(shared_data / UTTERANCE, SAMPLE_RATE)[: 3 * SAMPLE_RATE]


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_output_is_finite_float32_of_input_length(name, speech):
    for waveform in (speech, harmonic()):
        spoofed = attack(name)(waveform, np.random.default_rng(0))
        assert spoofed.dtype == np.float32
        assert spoofed.shape == waveform.shape
        assert np.all(np.isfinite(spoofed))


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_output_is_deterministic_for_a_seed(name):
    # The noise half matters: Codec 2 draws unvoiced phases from a process-wide generator.
    noise = 0.05 * np.random.default_rng(9).standard_normal(SAMPLE_RATE // 2)
    waveform = np.concatenate([harmonic(seconds=0.5), noise.astype(np.float32)])
    first = attack(name)(waveform, np.random.default_rng(11))
    second = attack(name)(waveform, np.random.default_rng(11))
    np.testing.assert_array_equal(first, second)


@pytest.mark.parametrize("name", ["world_vocoder", "mlsa_vocoder"])
def test_seed_varies_the_resynthesis(name, speech):
    first = attack(name)(speech, np.random.default_rng(1))
    second = attack(name)(speech, np.random.default_rng(2))
    assert np.linalg.norm(first - second) > 0.01 * np.linalg.norm(first)


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_resynthesis_differs_from_input_yet_keeps_the_speech(name, speech):
    spoofed = attack(name)(speech, np.random.default_rng(0))
    assert np.linalg.norm(spoofed - speech) / np.linalg.norm(speech) > 0.1
    correlation = np.corrcoef(energy_envelope_db(speech), energy_envelope_db(spoofed))[0, 1]
    assert correlation > 0.8
    assert abs(spoofed.mean()) < 0.01 * spoofed.std()


@pytest.mark.parametrize("name", ["world_vocoder", "mlsa_vocoder"])
def test_pitch_of_a_harmonic_signal_survives(name):
    spoofed = attack(name)(harmonic(150.0), np.random.default_rng(0))
    f0 = estimate_f0(spoofed, hop=160)
    voiced = f0[f0 > 0]
    assert len(voiced) > 0.8 * len(f0)
    assert np.median(voiced) == pytest.approx(150.0, rel=0.05)


def test_codec2_output_has_no_content_above_4khz(speech):
    spoofed = attack("codec2")(speech, np.random.default_rng(0))
    assert share_above(speech, 4100.0) > 1e-3  # else the check below would prove nothing
    assert share_above(spoofed, 4100.0) < 0.01 * share_above(speech, 4100.0)


@pytest.mark.parametrize("bitrate", [3200, 2400, 1600, 1400, 1300, 1200])
def test_every_codec2_bitrate_keeps_length_and_level(bitrate):
    pytest.importorskip("pycodec2", reason="codec2 needs the optional package pycodec2")
    from asdf.corpus_builders.spoofing.codec2 import Codec2Vocoder

    waveform = harmonic()
    spoofed = Codec2Vocoder(bitrates=(bitrate,))(waveform, np.random.default_rng(0))
    assert spoofed.shape == waveform.shape
    assert np.std(spoofed) == pytest.approx(np.std(waveform), rel=0.5)


def test_codec2_refuses_a_bitrate_it_does_not_have():
    pytest.importorskip("pycodec2", reason="codec2 needs the optional package pycodec2")
    from asdf.corpus_builders.spoofing.codec2 import Codec2Vocoder

    with pytest.raises(ConfigError, match="codec2 bitrates.*9600"):
        Codec2Vocoder(bitrates=(3200, 9600))


@pytest.mark.parametrize("name", sorted(PACKAGES))
def test_missing_package_is_named_with_its_install_command(name, monkeypatch):
    package = PACKAGES[name]
    monkeypatch.setitem(sys.modules, package, None)  # makes `import package` fail as if not installed
    monkeypatch.delitem(sys.modules, MODULES[name], raising=False)
    with pytest.raises(DataError, match=f"{name}.*{package}.*pip install {package}"):
        make_attack(name)


def test_attack_version_names_the_engine():
    pytest.importorskip("pyworld", reason="world_vocoder needs the optional package pyworld")
    assert attack_version("world_vocoder").startswith("pyworld ")
    assert attack_version("griffin_lim") == f"asdf {asdf.__version__}"
    with pytest.raises(KeyError):
        attack_version("no_such_attack")
