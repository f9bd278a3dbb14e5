"""Logging set-up: timestamped lines on stdout, flushed at once, and a per-stage log file."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

LOG_FORMAT = "%(asctime)s %(levelname)-7s %(message)s"
DATE_FORMAT = "%Y-%m-%d %H:%M:%S"


class _FlushingHandler(logging.StreamHandler):
    """A stream handler that looks up sys.stdout at each record (pytest and nohup swap it) and flushes."""

    def __init__(self) -> None:
        super().__init__(sys.stdout)

    def emit(self, record: logging.LogRecord) -> None:
        self.stream = sys.stdout
        super().emit(record)


def setup_logging(level: int = logging.INFO) -> None:
    """Send the `asdf` loggers to stdout with timestamps; safe to call more than once."""
    logger = logging.getLogger("asdf")
    logger.setLevel(level)
    if not any(isinstance(handler, _FlushingHandler) for handler in logger.handlers):
        handler = _FlushingHandler()
        handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
        logger.addHandler(handler)
    logger.propagate = False


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also append the `asdf` log records to `path` while the block runs."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(path, encoding="utf-8")
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    logger = logging.getLogger("asdf")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        handler.close()
