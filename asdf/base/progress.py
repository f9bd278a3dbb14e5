"""Progress of long loops: one rewritten line on a terminal, plain timestamped lines in a log file."""

from __future__ import annotations

import logging
import os
import sys
import time
from datetime import timedelta
from pathlib import Path

from asdf.base.fileio import atomic_write_json

logger = logging.getLogger(__name__)


def format_duration(seconds: float) -> str:
    """Seconds as H:MM:SS."""
    return str(timedelta(seconds=int(max(seconds, 0))))


class Progress:
    """Reports `done/total` with rate and ETA; `interval_s` apart when stdout is not a terminal. With a
    `state_file`, each report is also saved there as JSON, for `run.py status` in another terminal."""

    def __init__(self, label: str, total: int, unit: str = "samples", interval_s: float = 30.0,
                 state_file: Path | None = None, **fields) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.interval_s = interval_s
        self.start = time.monotonic()
        self.last_report = self.start
        self.interactive = sys.stdout.isatty()
        self.state_file, self.fields = state_file, fields
        self.last_saved = self.start

    def update(self, done: int, amount: int, **values: float) -> None:
        """Record that `done` of `total` steps are finished and `amount` units processed; maybe report."""
        now = time.monotonic()
        if self.state_file is not None and (now - self.last_saved >= self.interval_s or done >= self.total):
            self.last_saved = now  # at the log's pace even on a terminal: each save is an fsync
            self._save_state(done, amount, now, values)
        wait = 0.5 if self.interactive else self.interval_s
        if now - self.last_report < wait and done < self.total:
            return
        self.last_report = now
        line = self._line(done, amount, now, values)
        if self.interactive:
            end = "\n" if done >= self.total else ""
            sys.stdout.write(f"\r{line}\033[K{end}")
            sys.stdout.flush()
        else:
            logger.info(line)

    def _save_state(self, done: int, amount: int, now: float, values: dict[str, float]) -> None:
        """The report as JSON: what `run.py status` shows of a stage that is running."""
        elapsed = now - self.start
        atomic_write_json(self.state_file, {
            **self.fields, "label": self.label, "step": done, "steps": self.total, "unit": self.unit,
            "rate": amount / elapsed if elapsed > 0 else 0.0, "elapsed_s": elapsed,
            "eta_s": elapsed / done * (self.total - done) if done else None, "values": values,
            "written": time.time(), "pid": os.getpid(),
        })

    def _line(self, done: int, amount: int, now: float, values: dict[str, float]) -> str:
        """The progress line: label, step, named values, rate, elapsed and ETA."""
        elapsed = now - self.start
        rate = amount / elapsed if elapsed > 0 else 0.0
        remaining = elapsed / done * (self.total - done) if done else 0.0
        shown = " ".join(f"{name} {value:.4g}" for name, value in values.items())
        return (
            f"{self.label} step {done}/{self.total} {shown} {rate:.1f} {self.unit}/s "
            f"elapsed {format_duration(elapsed)} ETA {format_duration(remaining)}"
        ).replace("  ", " ")
