"""A batch of files through `score_files`: resume, results written as files finish, plots, progress."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from pathlib import Path

from asdf.inference.pipeline import score_files
from asdf.inference.records import ScoreOptions
from asdf.inference.scorers import Scorer
from asdf.inference.writers import ResultWriter

logger = logging.getLogger(__name__)

PROGRESS_INTERVAL_S = 10.0


@dataclass
class BatchSummary:
    """How a batch went: files scored in this run, how many failed, how many a resume skipped."""

    scored: int = 0
    failed: int = 0
    skipped: int = 0


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
    start = last_report = time.monotonic()
    for result in score_files(todo, scorer, options, with_overview=plot_dir is not None):
        writer.write(result.records)
        summary.scored += 1
        summary.failed += any(record["error"] for record in result.records)
        if plot_dir is not None and not result.records[0]["error"]:
            _plot(result, plot_dir)
        if time.monotonic() - last_report >= progress_interval_s:
            last_report = time.monotonic()
            _report(summary, len(todo), last_report - start)
    return summary


def _plot(result, plot_dir: Path) -> None:
    from asdf.reports.timeline import plot_timeline  # matplotlib only when pictures are asked for

    plot_dir.mkdir(parents=True, exist_ok=True)
    plot_timeline(result.records, result.overview, plot_dir / plot_name(result.records[0]["path"]))


def _report(summary: BatchSummary, total: int, elapsed: float) -> None:
    """One progress line on the log (stderr): files done, failures, rate and time left."""
    rate = summary.scored / elapsed if elapsed > 0 else 0.0
    remaining = (total - summary.scored) / rate if rate else 0.0
    logger.info("scored %d/%d files (%d failed), %.2f files/s, elapsed %.0f s, about %.0f s left",
                summary.scored, total, summary.failed, rate, elapsed, remaining)
