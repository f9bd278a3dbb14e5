"""The shared DSP helpers: STFT round trip, F0 of a known tone, mel filterbank shape."""

from __future__ import annotations

import numpy as np

from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, estimate_f0, istft, mel_filterbank, stft


def test_stft_round_trip_restores_the_signal(rng):
    signal = rng.standard_normal(8000)
    rebuilt = istft(stft(signal, 512, 128), 512, 128, len(signal))
    np.testing.assert_allclose(rebuilt, signal, atol=1e-8)


def test_f0_of_a_harmonic_tone_and_silence():
    time = np.arange(SAMPLE_RATE) / SAMPLE_RATE
    tone = sum(np.sin(2 * np.pi * 150.0 * k * time) / k for k in range(1, 6))
    signal = np.concatenate([tone, np.zeros(SAMPLE_RATE // 2)])
    f0 = estimate_f0(signal, 160)
    # Integer lags: 16 kHz / 106 samples = 150.9 Hz is the nearest period the tracker can report.
    assert abs(np.median(f0[10:90]) - 150.0) < 0.02 * 150.0
    assert np.all(f0[-20:] == 0)


def test_mel_filterbank_covers_the_band():
    filterbank = mel_filterbank(40, 512)
    assert filterbank.shape == (40, 257)
    assert np.all(filterbank.max(axis=1) > 0.5)
