"""Audio reading: every format and rate in blocks, block-wise resampling, and clear errors for bad files."""

from __future__ import annotations

import builtins

import numpy as np
import pytest

from asdf.audio import StreamResampler, fit_length, read_audio, read_blocks, resample
from asdf.errors import DataError
from tests.inference.audio_files import OPUS_RATES, write_audio, write_bad_files

RATES = (8000, 22050, 44100, 48000)


@pytest.mark.parametrize("rate", RATES + (16000, 11025))
@pytest.mark.parametrize("block", [1000, 4096, 50001])
def test_stream_resampling_equals_whole_signal_resampling(rate, block, rng):
    signal = rng.standard_normal((2, 60007)).astype(np.float32)
    resampler = StreamResampler(rate, 16000)
    pieces = [resampler.push(signal[:, i : i + block]) for i in range(0, signal.shape[1], block)]
    streamed = np.concatenate(pieces + [resampler.finish()], axis=1)
    whole = np.stack([resample(channel, rate, 16000) for channel in signal])
    np.testing.assert_allclose(streamed, whole, rtol=0, atol=1e-6)


@pytest.mark.parametrize("suffix", ["wav", "flac", "mp3", "ogg", "opus"])
@pytest.mark.parametrize("rate", RATES)
def test_every_soundfile_format_reads_in_blocks(tmp_path, suffix, rate):
    if suffix == "opus" and rate not in OPUS_RATES:
        pytest.skip("Opus only encodes 8, 12, 16, 24 and 48 kHz")
    path = write_audio(tmp_path / f"a.{suffix}", rate, 1.3, channels=2)
    info, blocks = read_blocks(path, block_frames=4096)
    frames = sum(block.shape[0] for block in blocks)
    assert (info.sample_rate, info.channels) == (rate, 2) and frames == round(1.3 * rate)


def test_m4a_reads_through_pyav(tmp_path):
    pytest.importorskip("av", reason="PyAV (the 'formats' extra) is not installed")
    path = write_audio(tmp_path / "a.m4a", 44100, 2.0, channels=2)
    info, blocks = read_blocks(path, block_frames=4096)
    frames = sum(block.shape[0] for block in blocks)
    assert (info.sample_rate, info.channels) == (44100, 2)
    assert 2.0 * 44100 <= frames <= 2.0 * 44100 + 4096  # AAC adds its encoder delay


def test_missing_pyav_names_the_file_and_the_remedy(tmp_path, monkeypatch):
    (tmp_path / "a.m4a").write_bytes(b"\0" * 100)
    real_import = builtins.__import__

    def no_av(name, *args, **kwargs):
        if name == "av":
            raise ImportError("no av")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_av)
    with pytest.raises(DataError, match=r"a\.m4a.*pip install 'asdf\[formats\]'"):
        read_blocks(tmp_path / "a.m4a")


@pytest.mark.parametrize("name, message", [("empty", "empty file"), ("truncated", "truncated"),
                                           ("text", "not a decodable audio file")])
def test_bad_files_are_refused_with_a_clear_message(tmp_path, name, message):
    path = write_bad_files(tmp_path)[name]
    with pytest.raises(DataError, match=message):
        info, blocks = read_blocks(path)
        list(blocks)


def test_read_audio_and_fit_length_keep_their_behaviour(tmp_path):
    path = write_audio(tmp_path / "a.wav", 22050, 0.5, channels=2)
    waveform = read_audio(path, 16000)
    assert waveform.dtype == np.float32 and waveform.shape == (8000,)
    tiled = fit_length(waveform[:3000], 7000)
    np.testing.assert_array_equal(tiled[3000:6000], waveform[:3000])
