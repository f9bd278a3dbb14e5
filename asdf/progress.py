"""Progress of long loops: one rewritten line on a terminal, plain timestamped lines in a log file."""

from __future__ import annotations

import logging
import sys
import time
from datetime import timedelta

logger = logging.getLogger(__name__)


def format_duration(seconds: float) -> str:
    """Seconds as H:MM:SS."""
    return str(timedelta(seconds=int(max(seconds, 0))))


class Progress:
    """Reports `done/total` with rate and ETA; `interval_s` apart when stdout is not a terminal."""

    def __init__(self, label: str, total: int, unit: str = "samples", interval_s: float = 30.0) -> None:
        self.label = label
        self.total = total
        self.unit = unit
        self.interval_s = interval_s
        self.start = time.monotonic()
        self.last_report = self.start
        self.interactive = sys.stdout.isatty()

    def update(self, done: int, amount: int, **values: float) -> None:
        """Record that `done` of `total` steps are finished and `amount` units processed; maybe report."""
        now = time.monotonic()
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
