"""Render planned entries to flac: cut recordings into utterances, apply copy-synthesis, run TTS engines.

Every file, bona fide or spoof, passes through the same conditioning (16 kHz, duration capped at a pause, silence
trimmed, a random quarter low-passed, then a random silence at each end, DC removed, level normalised, a random
noise floor added), so none of these tells the label.
A file whose engine fails is reported and left out; files already written (an interrupted build) are kept.
"""

from __future__ import annotations

import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import numpy as np
from scipy.signal import butter, sosfiltfilt

from asdf.base.errors import DataError, OutputError
from asdf.corpus_builders.kit.conditioning import (
    FRAME,
    condition,
    frame_levels_db,
    normalise_level,
    trim_silence,
    write_flac,
)
from asdf.corpus_builders.open_spoof.collections import read_blob
from asdf.corpus_builders.spoofing import make_attack
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE
from asdf.corpus_builders.tts.engines import synthesize
from asdf.data.audio import read_audio, resample

SILENCE_MARGIN_S = 0.2
# Every file's edges and noise floor are then drawn at random, the same way whatever its label: synthetic speech
# has clean, long silences and recorded speech has room noise and little silence, a trace the shortcut report
# flags (leading and trailing silence, noise floor) and a detector would learn instead of the artefacts.
EDGE_PAD_S = (0.0, 0.25)  # silence before and after the first and last active frame
NOISE_FLOOR_DBFS = (-70.0, -50.0)  # white noise added to every file, below the -26 dBFS of its active frames
# Some vocoders and VC systems stop short of 8 kHz; so do many real channels. A random quarter of all files is
# low-passed, so that a missing top band does not say "fake".
BAND_LIMIT_SHARE, BAND_LIMIT_HZ = 0.25, (6500.0, 7800.0)
# What one file's synthesis may raise (bad input, an engine or numeric library refusing it): that file is
# reported and left out. OutputError (the disk) is not among them: it stops the build, which then resumes.
FILE_FAULTS = (DataError, ValueError, RuntimeError, FloatingPointError)
PAUSE_SEARCH = 0.15  # a cut between segments moves to the quietest frame within this fraction of a segment


@dataclass(frozen=True)
class Output:
    """One file to write from a recording: its path, segment, attack (None: bona fide) and seed."""

    path: Path
    segment: int
    attack: str | None
    seed: tuple[int, int]


@dataclass(frozen=True)
class RecordingJob:
    """A recording cut into `segments` utterances, and the files made from them; a collected recording is blob
    `blob` of the repository at `source`, named `name` there."""

    source: Path
    segments: int
    max_seconds: float
    outputs: tuple[Output, ...]
    blob: str = ""
    name: str = ""


@dataclass(frozen=True)
class TtsJob:
    """One sentence read by one voice."""

    path: Path
    engine: str
    voice: str
    text: str
    seed: int
    max_seconds: float


@dataclass(frozen=True)
class JobResult:
    """Files written now, files found already written, and (path, reason) of the files that failed."""

    written: int
    existing: int
    failed: tuple[tuple[str, str], ...] = ()


def split_at_pauses(waveform: np.ndarray, parts: int) -> list[np.ndarray]:
    """`parts` consecutive pieces of about equal length, each cut at the quietest 20 ms near its boundary."""
    levels = frame_levels_db(waveform)
    step = len(levels) / parts
    cuts = [0]
    for index in range(1, parts):
        low, high = int((index - PAUSE_SEARCH) * step), int((index + PAUSE_SEARCH) * step) + 1
        cuts.append((low + int(np.argmin(levels[low:high]))) * FRAME)
    cuts.append(len(waveform))
    return [waveform[start:stop] for start, stop in zip(cuts, cuts[1:])]


def finish(waveform: np.ndarray, max_seconds: float, seed) -> np.ndarray:
    """The file as written: trimmed to its first and last active frame, low-passed for a random quarter of files,
    padded with a random silence at each end (within max_seconds), level-normalised, with white noise at a random
    floor; the same for every label."""
    rng = np.random.default_rng([*np.atleast_1d(seed), 0xED6E])
    speech = trim_silence(waveform, 0.0)
    if rng.random() < BAND_LIMIT_SHARE:
        cutoff = rng.uniform(*BAND_LIMIT_HZ)
        speech = sosfiltfilt(butter(8, cutoff, fs=SAMPLE_RATE, output="sos"), speech).astype(np.float32)
    room = max(0, int(max_seconds * SAMPLE_RATE) - len(speech))
    before, after = (min(int(rng.uniform(*EDGE_PAD_S) * SAMPLE_RATE), room // 2) for _ in range(2))
    padded = normalise_level(np.concatenate([np.zeros(before, np.float32), speech, np.zeros(after, np.float32)]))
    noise = 10.0 ** (rng.uniform(*NOISE_FLOOR_DBFS) / 20.0) * rng.standard_normal(len(padded))
    return np.clip(padded + noise, -1.0, 1.0).astype(np.float32)


def recording_segments(source: Path, segments: int, max_seconds: float) -> list[np.ndarray]:
    """The conditioned utterances of one recording (the material bona fide files and copy-synthesis share)."""
    waveform = trim_silence(read_audio(source, SAMPLE_RATE), SILENCE_MARGIN_S)
    if segments == 1:
        return [condition(waveform, max_seconds, SILENCE_MARGIN_S)]
    return [condition(piece, max_seconds, SILENCE_MARGIN_S) for piece in split_at_pauses(waveform, segments)]


def render_recording(job: RecordingJob) -> JobResult:
    """Write the bona fide segments of a recording and the copy-synthesis spoofs of them."""
    todo = [output for output in job.outputs if not output.path.is_file()]
    if not todo:
        return JobResult(0, len(job.outputs))
    try:
        with _recording_file(job) as path:
            material = recording_segments(path, job.segments, job.max_seconds)
    except FILE_FAULTS as error:
        return JobResult(0, len(job.outputs) - len(todo), tuple((str(o.path), _why(error)) for o in todo))
    failed = []
    for output in todo:
        audio = material[output.segment]
        try:
            if output.attack is not None:
                audio = make_attack(output.attack)(audio, np.random.default_rng(output.seed))
            write_flac(output.path, finish(audio, job.max_seconds, output.seed))
        except FILE_FAULTS as error:
            failed.append((str(output.path), _why(error)))
    return JobResult(len(todo) - len(failed), len(job.outputs) - len(todo), tuple(failed))


@contextmanager
def _recording_file(job: RecordingJob) -> Iterator[Path]:
    """The recording's path; a collected one's checked content in a temporary file, with its own extension."""
    if not job.blob:
        yield job.source
        return
    with tempfile.TemporaryDirectory(prefix="asdf-collected-") as folder:
        path = Path(folder) / f"{job.blob}{Path(job.name).suffix}"
        path.write_bytes(read_blob(job.source, job.blob))
        yield path


def render_tts(job: TtsJob) -> JobResult:
    """Synthesise one sentence and write it conditioned like every other file."""
    if job.path.is_file():
        return JobResult(0, 1)
    try:
        with tempfile.TemporaryDirectory(prefix="asdf-tts-") as work_dir:
            waveform, rate = synthesize(job.engine, job.voice, job.text, job.seed, Path(work_dir))
        audio = condition(resample(waveform, rate, SAMPLE_RATE), job.max_seconds, SILENCE_MARGIN_S)
        write_flac(job.path, finish(audio, job.max_seconds, job.seed))
    except FILE_FAULTS as error:
        return JobResult(0, 0, ((str(job.path), _why(error)),))
    return JobResult(1, 0)


def _why(error: Exception) -> str:
    """One line: the message of our own errors, the type and message of a library's."""
    text = " ".join(str(error).split())
    return text if isinstance(error, DataError) else f"{type(error).__name__}: {text}"


def render(job: RecordingJob | TtsJob) -> JobResult:
    """Run one job of either kind (the function worker processes are given); an unexpected error fails the job's
    unwritten files, with its type, and the build goes on (the disk's OutputError still stops it)."""
    try:
        return render_recording(job) if isinstance(job, RecordingJob) else render_tts(job)
    except OutputError:
        raise
    except Exception as error:  # a bug in asdf: report it with the files it cost, keep the hours of work done
        paths = [output.path for output in job.outputs] if isinstance(job, RecordingJob) else [job.path]
        why = f"{type(error).__name__}: {' '.join(str(error).split())} (a bug in asdf: please report it)"
        written = [path for path in paths if path.is_file()]
        return JobResult(0, len(written), tuple((str(path), why) for path in paths if path not in written))
