"""Score files window by window: decode in blocks, resample, cut windows, batch them across files, aggregate.

Memory stays bounded whatever the length: a file is never held whole, only one block, the samples of
the window being filled and one batch of windows. Windows of consecutive files share batches, so a
folder of short files runs at the batched speed; a file's result comes out as soon as its last
window is scored.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from typing import Iterable, Iterator

import numpy as np

from asdf.audio import AudioInfo, StreamResampler, mix_down, read_blocks
from asdf.errors import DataError
from asdf.inference.overview import Overview
from asdf.inference.records import ScoreOptions, error_record, file_record
from asdf.inference.scorers import Scorer
from asdf.inference.windows import Windower, hop_samples

# what a bad file can raise while it is decoded (DataError from our checks, the rest from decoders)
FILE_ERRORS = (DataError, OSError, RuntimeError, ValueError, EOFError, MemoryError)


@dataclass
class FileJob:
    """One file in flight: its windows' scores per channel as they arrive."""

    path: str
    overview: Overview | None = None
    info: AudioInfo | None = None
    samples: int = 0  # at the model's rate, per channel
    scores: dict = field(default_factory=dict)  # channel -> {start: logit}
    unscored: int = 0
    error: str | None = None


@dataclass
class FileResult:
    """A finished file: its records (one, or one per channel) and, when asked for, its overview."""

    records: list
    overview: Overview | None


def _job_windows(job: FileJob, scorer: Scorer, options: ScoreOptions) -> Iterator[tuple[int, int, np.ndarray]]:
    """(channel, start, window) of a file, decoded block by block."""
    job.info, blocks = read_blocks(job.path)
    resampler = StreamResampler(job.info.sample_rate, scorer.sample_rate)
    windower = Windower(scorer.window_samples, hop_samples(scorer.window_samples, options.overlap))
    for block in blocks:
        yield from _block_windows(job, windower, resampler.push(block.T if options.per_channel else mix_down(block)))
    yield from _block_windows(job, windower, resampler.finish())
    for start, window in windower.finish():
        yield from ((channel, start, samples) for channel, samples in enumerate(window))


def _block_windows(job: FileJob, windower: Windower, signal: np.ndarray):
    job.samples += signal.shape[1]
    if job.overview is not None:
        job.overview.push(signal.mean(axis=0))
    for start, window in windower.push(signal):
        yield from ((channel, start, samples) for channel, samples in enumerate(window))


def _run_batch(batch: list, scorer: Scorer) -> None:
    """Score a batch of (job, channel, start, window) and file each logit with its job."""
    if not batch:
        return
    logits = scorer.predict(np.stack([item[3] for item in batch]))
    for (job, channel, start, _), logit in zip(batch, logits):
        job.scores.setdefault(channel, {})[start] = float(logit)
        job.unscored -= 1
    batch.clear()


def _records(job: FileJob, scorer: Scorer, options: ScoreOptions) -> list:
    if job.error is not None:
        return [error_record(job.path, job.error)]
    duration = job.samples / scorer.sample_rate
    records = []
    for channel in sorted(job.scores):
        starts = sorted(job.scores[channel])
        logits = [job.scores[channel][start] for start in starts]
        name = channel if options.per_channel else None
        records.append(file_record(job.path, job.info, name, starts, logits, scorer, options, duration))
    return records


def _checked_windows(job: FileJob, scorer: Scorer, options: ScoreOptions):
    """`_job_windows`, with a decoding failure recorded on the job instead of raised (the batch goes on)."""
    try:
        yield from _job_windows(job, scorer, options)
    except FILE_ERRORS as error:
        job.error = _message(job.path, error)


def score_files(paths: Iterable[str], scorer: Scorer, options: ScoreOptions,
                with_overview: bool = False) -> Iterator[FileResult]:
    """Score `paths` in order, yielding each file's result when it is complete; bad files get error records.

    Only decoding errors are a file's fault; an error of the model itself stops the run."""
    batch, jobs = [], deque()
    batch_size = options.batch_size or scorer.default_batch_size
    for path in paths:
        job = FileJob(str(path), Overview(scorer.sample_rate) if with_overview else None)
        jobs.append(job)
        for channel, start, window in _checked_windows(job, scorer, options):
            batch.append((job, channel, start, window))
            job.unscored += 1
            if len(batch) == batch_size:
                _run_batch(batch, scorer)
        while jobs and jobs[0].unscored == 0:
            yield _finished(jobs.popleft(), scorer, options)
    _run_batch(batch, scorer)
    while jobs:
        yield _finished(jobs.popleft(), scorer, options)


def _finished(job: FileJob, scorer: Scorer, options: ScoreOptions) -> FileResult:
    return FileResult(_records(job, scorer, options), job.overview)


def _message(path: str, error: Exception) -> str:
    """The error as one line that names the file."""
    text = str(error) or type(error).__name__
    return text if path in text else f"{path}: {text}"
