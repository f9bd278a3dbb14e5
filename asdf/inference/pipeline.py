"""Score files window by window: decode in blocks, resample, cut windows, batch them across files, aggregate.

Memory stays bounded whatever the length: a file is never held whole, only one block, the samples of
the window being filled and one batch of windows. Windows of consecutive files share batches, so a
folder of short files runs at the batched speed; a file's result comes out as soon as its last
window is scored. The level of each 20 ms frame is measured on the way, so that silent files are flagged.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

import numpy as np

from asdf.base.errors import DataError
from asdf.data.audio import AudioInfo, StreamResampler, mix_down, read_blocks
from asdf.data.levels import FullScaleShare, LoudestFrame
from asdf.inference.file_records import ScoreOptions, decision_margin, error_record, file_record, judgement_flags
from asdf.inference.overview import Overview
from asdf.inference.scorers import ModelError, Scorer
from asdf.inference.windows import Windower, hop_samples

# what a bad file can raise while it is decoded (DataError from our checks, the rest from decoders)
FILE_ERRORS = (DataError, OSError, RuntimeError, ValueError, EOFError, MemoryError)
# what a model that cannot run a batch raises (torch and onnxruntime errors are RuntimeErrors)
MODEL_ERRORS = (RuntimeError, ValueError, MemoryError)

# bf16 moved file scores by at most 0.6 on the model card's 2,667 files, 99 % of them by under 0.23
# (bench/precision_decisions.py): a file decided closer than this to a boundary is rescored in float32,
# so bf16 does not change decisions
RECHECK_MARGIN = 1.0

# called while files are scored with (file number from 1, path, seconds of that file decoded so far)
ProgressHook = Callable[[int, str, float], None]


@dataclass
class FileJob:
    """One file in flight: its windows' scores per channel as they arrive."""

    path: str
    number: int  # position in the paths, from 1
    overview: Overview | None = None
    levels: LoudestFrame | None = None
    full_scale: FullScaleShare = field(default_factory=FullScaleShare)
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
    job.levels = LoudestFrame(scorer.sample_rate)
    resampler = StreamResampler(job.info.sample_rate, scorer.sample_rate)
    windower = Windower(scorer.window_samples, hop_samples(scorer.window_samples, options.overlap))
    for block in blocks:
        job.full_scale.push(block.T)
        yield from _block_windows(job, windower, resampler.push(block.T if options.per_channel else mix_down(block)))
    yield from _block_windows(job, windower, resampler.finish())
    for start, window in windower.finish():
        yield from ((channel, start, samples) for channel, samples in enumerate(window))


def _block_windows(job: FileJob, windower: Windower, signal: np.ndarray):
    job.samples += signal.shape[1]
    job.levels.push(signal)
    if job.overview is not None:
        job.overview.push(signal.mean(axis=0))
    for start, window in windower.push(signal):
        yield from ((channel, start, samples) for channel, samples in enumerate(window))


def _run_batch(batch: list, scorer: Scorer) -> None:
    """Score a batch of (job, channel, start, window) and file each logit with its job."""
    if not batch:
        return
    windows = np.stack([item[3] for item in batch])
    try:
        logits = scorer.predict(windows)
    except MODEL_ERRORS as error:
        raise ModelError(f"the model {scorer.name} failed on a batch of {windows.shape[0]} windows of "
                         f"{windows.shape[1]} samples (starting with {batch[0][0].path}): {error}") from error
    for (job, channel, start, _), logit in zip(batch, logits):
        job.scores.setdefault(channel, {})[start] = float(logit)
        job.unscored -= 1
    batch.clear()


def _records(job: FileJob, scorer: Scorer, options: ScoreOptions) -> list:
    if job.error is not None:
        return [error_record(job.path, job.error)]
    duration = job.samples / scorer.sample_rate
    levels = job.levels.finish()
    clipped = job.full_scale.finish()
    records = []
    for channel in sorted(job.scores):
        starts = sorted(job.scores[channel])
        logits = [job.scores[channel][start] for start in starts]
        broken = next((start for start, logit in zip(starts, logits) if not math.isfinite(logit)), None)
        if broken is not None:  # the input was finite, so the model overflowed: there is no score to give
            return [error_record(job.path, f"{job.path}: the model's score is not finite (NaN or infinite) for the "
                                           f"window at {broken / scorer.sample_rate:.2f} s")]
        name = channel if options.per_channel else None
        # a mix-down is as clipped as its most clipped channel
        clipped_share = clipped[channel] if options.per_channel else clipped.max()
        flags = judgement_flags(duration, levels[channel], clipped_share, options)
        records.append(file_record(job.path, job.info, name, starts, logits, scorer, options, duration, flags))
    return records


def _checked_windows(job: FileJob, scorer: Scorer, options: ScoreOptions):
    """`_job_windows`, with a decoding failure recorded on the job instead of raised (the batch goes on)."""
    try:
        yield from _job_windows(job, scorer, options)
    except FILE_ERRORS as error:
        job.error = _message(job.path, error)


def score_files(paths: Iterable[str], scorer: Scorer, options: ScoreOptions, with_overview: bool = False,
                progress: ProgressHook | None = None) -> Iterator[FileResult]:
    """Score `paths` in order, yielding each file's result when it is complete; bad files get error records.

    Only decoding errors are a file's fault; an error of the model itself stops the run (ModelError).
    `progress` is called after every batch and at the end of every file's decoding."""
    batch, jobs = [], deque()
    batch_size = options.batch_size or scorer.default_batch_size
    for number, path in enumerate(paths, start=1):
        job = FileJob(str(path), number, Overview(scorer.sample_rate) if with_overview else None)
        jobs.append(job)
        for channel, start, window in _checked_windows(job, scorer, options):
            batch.append((job, channel, start, window))
            job.unscored += 1
            if len(batch) == batch_size:
                _run_batch(batch, scorer)
                _report(progress, job, scorer)
        _report(progress, job, scorer)
        while jobs and jobs[0].unscored == 0:
            yield _finished(jobs.popleft(), scorer, options)
    _run_batch(batch, scorer)
    while jobs:
        yield _finished(jobs.popleft(), scorer, options)


def _report(progress: ProgressHook | None, job: FileJob, scorer: Scorer) -> None:
    if progress is not None:
        progress(job.number, job.path, job.samples / scorer.sample_rate)


def _finished(job: FileJob, scorer: Scorer, options: ScoreOptions) -> FileResult:
    records = _records(job, scorer, options)
    if scorer.float32 is not None and job.error is None and _too_close(job, options):
        records = next(score_files([job.path], scorer.float32, options)).records
    return FileResult(records, job.overview)


def _too_close(job: FileJob, options: ScoreOptions) -> bool:
    """Whether a channel's reduced-precision scores lie within RECHECK_MARGIN of a decision boundary (or overflowed)."""
    channels = (list(scores.values()) for scores in job.scores.values())
    return any(not np.isfinite(logits).all() or decision_margin(logits, options) < RECHECK_MARGIN
               for logits in channels)


def _message(path: str, error: Exception) -> str:
    """The error as one line that names the file."""
    text = str(error) or type(error).__name__
    return text if path in text else f"{path}: {text}"
