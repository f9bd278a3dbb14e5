"""Logging set-up: timestamped lines on stdout, flushed at once, and a per-stage log file."""

from __future__ import annotations

import logging
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from asdf.base.fileio import cannot_write, describe_os_error, ensure_folder

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


class _LogFileHandler(logging.FileHandler):
    """A log file that, when it cannot be written (disk full, read-only folder), says so once on stdout and
    stops, instead of printing a traceback for every record; the run itself goes on."""

    failed = False

    def emit(self, record: logging.LogRecord) -> None:
        if not self.failed:
            super().emit(record)

    def handleError(self, record: logging.LogRecord) -> None:
        if self.failed:
            return
        self.failed = True
        error = sys.exc_info()[1]
        cause = describe_os_error(error) if isinstance(error, OSError) else str(error)
        logging.getLogger("asdf").warning("cannot write the log file %s: %s; logging to stdout only",
                                          self.baseFilename, cause)


@contextmanager
def log_to_file(path: Path) -> Iterator[None]:
    """Also append the `asdf` log records to `path` while the block runs."""
    ensure_folder(path.parent)
    try:
        handler = _LogFileHandler(path, encoding="utf-8")
    except OSError as error:
        raise cannot_write(path, error) from None
    handler.setFormatter(logging.Formatter(LOG_FORMAT, DATE_FORMAT))
    logger = logging.getLogger("asdf")
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        try:
            handler.close()
        except OSError:
            pass  # the last records could not be flushed: the disk is full or gone, which the stage's error names
