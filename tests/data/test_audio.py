"""Audio reading: every format and rate in blocks, block-wise resampling, and clear errors for bad files."""

from __future__ import annotations

import builtins

import numpy as np
import pytest
import soundfile

from asdf.base.errors import DataError
from asdf.data.audio import StreamResampler, fit_length, read_audio, read_blocks, resample
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
    with pytest.raises(DataError, match=r"a\.m4a.*pip install 'asdf-antispoof\[formats\]'"):
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


def _read_both(path):
    """read_audio, then read_blocks to the end: both must refuse the same way."""
    messages = []
    for read in (lambda: read_audio(path, 16000), lambda: list(read_blocks(path, block_frames=4096)[1])):
        with pytest.raises(DataError) as error:
            read()
        messages.append(str(error.value))
    assert messages[0] == messages[1]
    return messages[0]


def test_a_deleted_file_a_folder_and_an_unreadable_file_are_told_apart(tmp_path, monkeypatch):
    assert _read_both(tmp_path / "deleted.flac") == f"{tmp_path / 'deleted.flac'}: no such file"
    assert _read_both(tmp_path) == f"{tmp_path}: is a folder, not an audio file"
    locked = write_audio(tmp_path / "locked.wav", 16000, 0.5)
    real_open = builtins.open

    def permission_denied(file, *args, **kwargs):  # chmod 000 does not stop root, who runs some test machines
        if str(file) == str(locked):
            raise PermissionError(13, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", permission_denied)
    assert _read_both(locked) == f"{locked}: permission denied (the file is not readable by this user)"


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_non_finite_samples_are_refused(tmp_path, bad):
    samples = np.zeros((10_000, 2), np.float32)
    samples[9_000, 1] = bad  # in the third block of 4096 frames
    soundfile.write(tmp_path / "bad.wav", samples, 16000, subtype="FLOAT")
    assert _read_both(tmp_path / "bad.wav") == f"{tmp_path / 'bad.wav'}: contains NaN or infinite samples"
