"""A batch of files through `score_files`: resume, results written as files finish, plots, progress."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from asdf.base.fileio import ensure_folder
from asdf.inference.file_records import UNDECIDED, ScoreOptions
from asdf.inference.pipeline import score_files
from asdf.inference.scorers import Scorer
from asdf.inference.writers import ResultWriter

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 10.0


@dataclass
class BatchSummary:
    """How a batch went: files scored in this run (undecided ones included), files that failed, scored files
    left undecided (silent or too short), and files a resume skipped."""

    scored: int = 0
    failed: int = 0
    undecided: int = 0
    skipped: int = 0

    def add(self, records: list[dict]) -> None:
        """Count one finished file by its records."""
        if any(record["error"] for record in records):
            self.failed += 1
        else:
            self.scored += 1
            self.undecided += any(record["decision"] == UNDECIDED for record in records)


class BatchProgress:
    """Progress lines on the log (stderr), at most one every `interval_s`: the file being scored, how much
    of its audio is done, and the batch's counts, rate and time left. Called during long files too."""

    def __init__(self, summary: BatchSummary, total: int, interval_s: float) -> None:
        self.summary, self.total, self.interval_s = summary, total, interval_s
        self.start = self.last = time.monotonic()

    def __call__(self, number: int, path: str, seconds: float) -> None:
        """Log a line if `interval_s` has passed: file `number` (from 1) at `path` has `seconds` of audio done."""
        now = time.monotonic()
        if now - self.last < self.interval_s:
            return
        self.last = now
        elapsed = now - self.start
        finished = self.summary.scored + self.summary.failed
        rate = finished / elapsed if elapsed > 0 else 0.0
        left = f", about {(self.total - finished) / rate:.0f} s left" if rate else ""
        logger.info("scoring %s: %.0f s of audio done, file %d/%d; %d scored, %d failed, %d undecided; "
                    "%.2f files/s, elapsed %.0f s%s", path, seconds, number, self.total, self.summary.scored,
                    self.summary.failed, self.summary.undecided, rate, elapsed, left)


def plot_name(path: str) -> str:
    """A PNG name for a scored file that stays unique across folders (a/b.wav -> a__b.wav.png)."""
    parts = [part for part in Path(path).parts if part not in ("/", "..", ".")]
    return "__".join(parts[-3:]) + ".png"


def run_batch(paths: list[str], scorer: Scorer, options: ScoreOptions, writer: ResultWriter,
              plot_dir: Path | None = None, progress_interval_s: float = PROGRESS_INTERVAL_S) -> BatchSummary:
    """Score every path the writer does not already have, writing each file's records as it finishes."""
    todo = [path for path in paths if path not in writer.done]
    summary = BatchSummary(skipped=len(paths) - len(todo))
    if summary.skipped:
        logger.info("resuming: %d of %d files already scored", summary.skipped, len(paths))
    if plot_dir is not None:
        ensure_folder(plot_dir)
    progress = BatchProgress(summary, len(todo), progress_interval_s)
    for result in score_files(todo, scorer, options, with_overview=plot_dir is not None, progress=progress):
        writer.write(result.records)
        summary.add(result.records)
        if plot_dir is not None and not result.records[0]["error"]:
            _plot(result, plot_dir)
    return summary


def _plot(result, plot_dir: Path) -> None:
    from asdf.inference.timeline import plot_timeline  # matplotlib only when pictures are asked for

    plot_timeline(result.records, result.overview, plot_dir / plot_name(result.records[0]["path"]))
