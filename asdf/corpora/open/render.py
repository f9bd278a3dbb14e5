"""Render planned entries to flac: cut recordings into utterances, apply copy-synthesis, run TTS engines.

Every file, bona fide or spoof, passes through the same conditioning (16 kHz, silence trimmed to the same
margin, duration capped at a pause, DC removed, level normalised), so none of these tells the label.
A file whose engine fails is reported and left out; files already written (an interrupted build) are kept.
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asdf.audio import read_audio, resample
from asdf.corpora.demo.audio import FRAME, condition, frame_levels_db, normalise_level, trim_silence, write_flac
from asdf.corpora.open.engines import synthesize
from asdf.errors import DataError
from asdf.spoofing import make_attack
from asdf.spoofing.dsp import SAMPLE_RATE

SILENCE_MARGIN_S = 0.2
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
    """A recording cut into `segments` utterances, and the files made from them."""

    source: Path
    segments: int
    max_seconds: float
    outputs: tuple[Output, ...]


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
        material = recording_segments(job.source, job.segments, job.max_seconds)
    except FILE_FAULTS as error:
        return JobResult(0, len(job.outputs) - len(todo), tuple((str(o.path), _why(error)) for o in todo))
    failed = []
    for output in todo:
        audio = material[output.segment]
        try:
            if output.attack is not None:
                audio = make_attack(output.attack)(audio, np.random.default_rng(output.seed))
            write_flac(output.path, normalise_level(audio))
        except FILE_FAULTS as error:
            failed.append((str(output.path), _why(error)))
    return JobResult(len(todo) - len(failed), len(job.outputs) - len(todo), tuple(failed))


def render_tts(job: TtsJob) -> JobResult:
    """Synthesise one sentence and write it conditioned like every other file."""
    if job.path.is_file():
        return JobResult(0, 1)
    try:
        with tempfile.TemporaryDirectory(prefix="asdf-tts-") as work_dir:
            waveform, rate = synthesize(job.engine, job.voice, job.text, job.seed, Path(work_dir))
        audio = condition(resample(waveform, rate, SAMPLE_RATE), job.max_seconds, SILENCE_MARGIN_S)
        write_flac(job.path, normalise_level(audio))
    except FILE_FAULTS as error:
        return JobResult(0, 0, ((str(job.path), _why(error)),))
    return JobResult(1, 0)


def _why(error: Exception) -> str:
    """One line: the message of our own errors, the type and message of a library's."""
    text = " ".join(str(error).split())
    return text if isinstance(error, DataError) else f"{type(error).__name__}: {text}"


def render(job: RecordingJob | TtsJob) -> JobResult:
    """Run one job of either kind (the function worker processes are given)."""
    return render_recording(job) if isinstance(job, RecordingJob) else render_tts(job)
