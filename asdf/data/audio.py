"""Audio I/O: decode with soundfile (PyAV for other formats), read in blocks, mix down, resample, crop or tile."""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from math import ceil, gcd
from pathlib import Path
from typing import Iterator

import numpy as np
import soundfile
from scipy.signal import resample_poly

from asdf.base.errors import DataError, install_hint

BLOCK_FRAMES = 1 << 17  # frames decoded at once by `read_blocks`: about 3 s at 44.1 kHz
SOUNDFILE_ERRORS = (RuntimeError, soundfile.LibsndfileError, OSError)
PYAV_HINT = f"formats such as M4A/AAC need PyAV: {install_hint('formats')}"


@dataclass(frozen=True)
class AudioInfo:
    """What a file holds: rate, channels and length in frames (None when the container does not say)."""

    sample_rate: int
    channels: int
    frames: int | None

    @property
    def duration_s(self) -> float | None:
        """Length in seconds, when known."""
        return None if self.frames is None else self.frames / self.sample_rate


def check_readable(path: str | Path) -> None:
    """Refuse a path that is missing, a folder, unreadable or empty, saying which (libsndfile says "System error")."""
    try:
        status = os.stat(path)
    except FileNotFoundError:
        raise DataError(f"{path}: no such file") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    if stat.S_ISDIR(status.st_mode):
        raise DataError(f"{path}: is a folder, not an audio file")
    try:
        open(path, "rb").close()
    except PermissionError:
        raise DataError(f"{path}: permission denied (the file is not readable by this user)") from None
    except OSError as error:
        raise DataError(f"{path}: cannot read ({error.strerror})") from None
    if status.st_size == 0:
        raise DataError(f"{path}: empty file (0 bytes)")


def check_finite(path: str | Path, samples: np.ndarray) -> np.ndarray:
    """`samples`, or a DataError when any is NaN or infinite (a float file can hold them; no model can score them)."""
    if not np.isfinite(samples).all():
        raise DataError(f"{path}: contains NaN or infinite samples")
    return samples


def read_audio(path: str | Path, sample_rate: int) -> np.ndarray:
    """Decode `path` to float32 mono at `sample_rate`; raise DataError naming the file if it cannot be read."""
    check_readable(path)
    try:
        waveform, file_rate = soundfile.read(str(path), dtype="float32", always_2d=True)
    except SOUNDFILE_ERRORS as error:
        raise DataError(f"{path}: cannot decode audio ({error})") from None
    check_finite(path, waveform)
    mono = waveform.mean(axis=1) if waveform.shape[1] > 1 else waveform[:, 0]
    return resample(mono, file_rate, sample_rate)


def resample(waveform: np.ndarray, source_rate: int, target_rate: int) -> np.ndarray:
    """Anti-aliased polyphase resampling; returns float32."""
    if source_rate == target_rate:
        return np.ascontiguousarray(waveform, dtype=np.float32)
    divisor = gcd(source_rate, target_rate)
    return resample_poly(waveform, target_rate // divisor, source_rate // divisor).astype(np.float32)


def fit_length(waveform: np.ndarray, length: int, start: int = 0) -> np.ndarray:
    """Cut `length` samples from `start`; a shorter waveform is first tiled (repeated) as the official AASIST does."""
    if waveform.size == 0:
        raise DataError("cannot fit an empty waveform to a length")
    needed = start + length
    if waveform.shape[0] < needed:
        repeats = -(-needed // waveform.shape[0])
        waveform = np.tile(waveform, repeats)
    return waveform[start : start + length]


def read_blocks(path: str | Path, block_frames: int = BLOCK_FRAMES) -> tuple[AudioInfo, Iterator[np.ndarray]]:
    """(info, blocks of float32 [frames, channels]) of any decodable file, never holding the whole file.

    A block with a NaN or infinite sample raises DataError when it is reached."""
    check_readable(path)
    try:
        info = soundfile.info(str(path))
    except SOUNDFILE_ERRORS as soundfile_error:
        info, blocks = _read_blocks_pyav(path, block_frames, soundfile_error)
    else:
        _check_riff_size(path)
        info = AudioInfo(info.samplerate, info.channels, info.frames)
        blocks = _soundfile_blocks(path, info, block_frames)
    return info, (check_finite(path, block) for block in blocks)


def _check_riff_size(path) -> None:
    """A WAV whose RIFF header announces more bytes than the file has was cut short (libsndfile reads
    what is there without a word). Sizes 0 and 0xFFFFFFFF mean 'unknown' (streamed writes) and pass."""
    with open(path, "rb") as handle:
        header = handle.read(8)
    if header[:4] != b"RIFF":
        return
    announced = int.from_bytes(header[4:8], "little") + 8
    actual = Path(path).stat().st_size
    if header[4:8] not in (b"\0\0\0\0", b"\xff\xff\xff\xff") and announced > actual:
        raise DataError(f"{path}: truncated: the WAV header announces {announced} bytes, the file has {actual}")


def _soundfile_blocks(path, info: AudioInfo, block_frames: int) -> Iterator[np.ndarray]:
    """Blocks from soundfile; a file that ends before the length its header states is an error."""
    read = 0
    try:
        for block in soundfile.blocks(str(path), blocksize=block_frames, dtype="float32", always_2d=True):
            read += block.shape[0]
            yield block
    except SOUNDFILE_ERRORS as error:
        raise DataError(f"{path}: audio data is corrupt or cut short ({error}; {read} frames decoded before)") from None
    if info.frames and read < info.frames:
        raise DataError(f"{path}: truncated: the header announces {info.frames} frames, only {read} could be decoded")


def _read_blocks_pyav(path, block_frames: int, soundfile_error: Exception):
    """PyAV's (info, blocks), for what libsndfile cannot open; the error names the file and the remedy."""
    try:
        import av
    except ImportError:
        raise DataError(f"{path}: cannot decode audio ({soundfile_error}); {PYAV_HINT}") from None
    try:
        container = av.open(str(path))
        stream = container.streams.audio[0]
    except (av.FFmpegError, IndexError, OSError) as error:
        raise DataError(f"{path}: not a decodable audio file (soundfile: {soundfile_error}; PyAV: {error})") from None
    frames = None if stream.duration is None else int(stream.duration * stream.time_base * stream.rate)
    info = AudioInfo(stream.rate, stream.channels, frames)
    return info, _rebuffer(_pyav_frames(path, container, stream), block_frames)


def _pyav_frames(path, container, stream) -> Iterator[np.ndarray]:
    """Decoded frames as float32 [frames, channels], closing the container at the end."""
    import av

    converter = av.AudioResampler(format="fltp", layout=stream.layout, rate=stream.rate)
    try:
        for frame in container.decode(stream):
            for converted in converter.resample(frame):
                yield converted.to_ndarray().T
    except av.FFmpegError as error:
        raise DataError(f"{path}: audio data is corrupt ({error})") from None
    finally:
        container.close()


def _rebuffer(chunks: Iterator[np.ndarray], block_frames: int) -> Iterator[np.ndarray]:
    """Regroup small decoded chunks into blocks of about `block_frames` (fewer resampler calls)."""
    pending, count = [], 0
    for chunk in chunks:
        pending.append(chunk)
        count += chunk.shape[0]
        if count >= block_frames:
            yield np.concatenate(pending)
            pending, count = [], 0
    if pending:
        yield np.concatenate(pending)


def mix_down(block: np.ndarray) -> np.ndarray:
    """[frames, channels] -> [1, frames]: the mean of the channels."""
    return block.mean(axis=1, dtype=np.float32)[None, :]


class StreamResampler:
    """Polyphase resampling of a stream of [channels, frames] blocks, equal to `resample` on the whole signal.

    Blocks are resampled with enough real context on each side to cover the anti-aliasing filter, and
    cut at multiples of the decimation factor, so block boundaries leave no trace in the output.
    """

    def __init__(self, source_rate: int, target_rate: int) -> None:
        divisor = gcd(source_rate, target_rate)
        self.up, self.down = target_rate // divisor, source_rate // divisor
        half_filter = ceil(10 * max(self.up, self.down) / self.up) + 1  # scipy's filter half-length, in input samples
        self.context = ceil(half_filter / self.down) * self.down
        self.buffer = None  # input from `self.next - self.left` on
        self.next = 0  # first input position whose output is not yet produced (a multiple of down)
        self.left = 0  # left context held in the buffer

    def push(self, block: np.ndarray) -> np.ndarray:
        """The resampled output that `block` completes (possibly empty)."""
        if self.up == self.down:
            self.buffer = block[:, :0]  # nothing to hold back; remembers the channel count
            return block
        self.buffer = block if self.buffer is None else np.concatenate((self.buffer, block), axis=1)
        ready = (self.buffer.shape[1] - self.left - self.context) // self.down * self.down
        if ready <= 0:
            return self.buffer[:, :0]
        output = self._resample(self.buffer[:, : self.left + ready + self.context], ready * self.up // self.down)
        self.next += ready
        new_left = min(self.context, self.next)
        self.buffer = self.buffer[:, self.left + ready - new_left :]
        self.left = new_left
        return output

    def finish(self) -> np.ndarray:
        """The output for the input still held."""
        if self.buffer is None:
            return np.zeros((1, 0), dtype=np.float32)
        if self.up == self.down:
            return self.buffer
        remaining = self.buffer.shape[1] - self.left
        return self._resample(self.buffer, ceil(remaining * self.up / self.down))

    def _resample(self, segment: np.ndarray, count: int) -> np.ndarray:
        """`count` output samples of `segment` after its left context."""
        skip = self.left * self.up // self.down
        resampled = resample_poly(segment, self.up, self.down, axis=1)
        return resampled[:, skip : skip + count].astype(np.float32)
