"""Test audio made on the fly: speech-like signals in every format, and the broken files users bring."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile
import torch

from asdf.base.settings import ModelSettings
from asdf.models import build_model
from asdf.models.model_files import model_checkpoint

SOUNDFILE_FORMATS = {"wav": ("WAV", "PCM_16"), "flac": ("FLAC", "PCM_16"), "mp3": ("MP3", "MPEG_LAYER_III"),
                     "ogg": ("OGG", "VORBIS"), "opus": ("OGG", "OPUS")}
OPUS_RATES = (8000, 12000, 16000, 24000, 48000)
TINY_WINDOW = 4000  # a quarter of a second at 16 kHz: fast forward passes, still above AASIST's minimum input


def speechlike(rate: int, seconds: float, channels: int = 1, seed: int = 0) -> np.ndarray:
    """[frames, channels] float32: a gliding harmonic tone with a syllable-rate envelope, plus a little noise."""
    rng = np.random.default_rng(seed)
    time = np.arange(int(rate * seconds)) / rate
    pitch = 120 + 30 * np.sin(2 * np.pi * 0.7 * time)
    phase = 2 * np.pi * np.cumsum(pitch) / rate
    voiced = sum(np.sin(k * phase) / k for k in range(1, 12)) * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * time))
    mono = 0.2 * voiced / 3 + 0.005 * rng.standard_normal(time.size)
    return np.stack([np.roll(mono, 37 * c) for c in range(channels)], axis=1).astype(np.float32)


def write_audio(path: Path, rate: int, seconds: float, channels: int = 1, seed: int = 0) -> Path:
    """Write speech-like audio in the format the suffix names (.m4a through PyAV)."""
    data = speechlike(rate, seconds, channels, seed)
    if path.suffix == ".m4a":
        return write_m4a(path, data, rate)
    container, subtype = SOUNDFILE_FORMATS[path.suffix[1:]]
    soundfile.write(path, data, rate, format=container, subtype=subtype)
    return path


def write_m4a(path: Path, data: np.ndarray, rate: int) -> Path:
    """AAC in an MP4 container, encoded with PyAV."""
    import av

    layout = "mono" if data.shape[1] == 1 else "stereo"
    with av.open(str(path), "w", format="mp4") as container:
        stream = container.add_stream("aac", rate=rate, layout=layout)
        frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(data.T), format="fltp", layout=layout)
        frame.rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            container.mux(packet)
    return path


def write_bad_files(folder: Path) -> dict[str, Path]:
    """An empty file, a WAV cut in the middle of its data, and a text file named .wav."""
    folder.mkdir(parents=True, exist_ok=True)
    empty, truncated, text = folder / "empty.wav", folder / "truncated.wav", folder / "text.wav"
    empty.write_bytes(b"")
    write_audio(truncated, 16000, 2.0)
    truncated.write_bytes(truncated.read_bytes()[: 44 + 16000])  # header plus half a second of 2
    text.write_text("this is not audio\n")
    return {"empty": empty, "truncated": truncated, "text": text}


def tiny_checkpoint(path: Path) -> Path:
    """An AASIST-L checkpoint of ours (random weights, seeded) that `asdf score --model` can load."""
    torch.manual_seed(0)
    model = build_model(ModelSettings(name="aasist-l"))
    torch.save(model_checkpoint(model, ModelSettings(name="aasist-l"), epoch=0), path)
    return path
