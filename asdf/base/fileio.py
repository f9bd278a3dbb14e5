"""File writes: atomic (a reader never sees half a checkpoint, score file or result), readable as the umask
allows, and every failure one OutputError naming the file and the cause."""

from __future__ import annotations

import errno
import json
import logging
import math
import os
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterator

from asdf.base.errors import OutputError

logger = logging.getLogger(__name__)

RETRY_INTERVAL_S = 30.0  # between attempts of `retry_writes`

# mkstemp creates files 0600; results are given the mode a plain open() would give them (0666 less the umask),
# so a group sharing a GPU server can read them where the umask allows. Read once: os.umask can only be
# read by setting it, which is not safe while other threads create files.
_UMASK = os.umask(0o022)
os.umask(_UMASK)
FILE_MODE = 0o666 & ~_UMASK

CAUSES = {
    errno.ENOSPC: "no space left on the device",
    errno.EDQUOT: "disk quota exceeded",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.EROFS: "the file system is read-only",
    errno.ENOTDIR: "a part of the path is a file, not a folder",
    errno.EEXIST: "a file of that name is in the way",
    errno.ENOENT: "a folder on the path does not exist",
    errno.EISDIR: "it is a folder",
}


def describe_os_error(error: OSError) -> str:
    """The cause of an OSError in a few plain words."""
    return CAUSES.get(error.errno, error.strerror or str(error) or type(error).__name__)


def cannot_write(path: str | os.PathLike, error: OSError) -> OutputError:
    """The OutputError for a failed write of `path`."""
    return OutputError(f"cannot write {path}: {describe_os_error(error)}")


def ensure_folder(folder: str | os.PathLike) -> Path:
    """Create `folder` (and its parents) or raise an OutputError naming it and the cause."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise OutputError(f"cannot create the folder {folder}: {describe_os_error(error)}") from None
    return folder


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """Yield a temporary path beside `path`; on success it is fsynced and renamed onto `path`.

    Any OSError (from the block or the rename) becomes an OutputError naming `path`; the temporary file is
    removed and an earlier `path` stays as it was."""
    target = Path(path)
    ensure_folder(target.parent)
    try:
        handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
        os.close(handle)
    except OSError as error:
        raise cannot_write(target, error) from None
    temporary_path = Path(temporary)
    try:
        yield temporary_path
        os.chmod(temporary_path, FILE_MODE)
        with open(temporary_path, "rb") as written:
            os.fsync(written.fileno())
        os.replace(temporary_path, target)
    except OSError as error:
        raise cannot_write(target, error) from None
    finally:
        try:
            temporary_path.unlink(missing_ok=True)
        except OSError:
            pass  # a folder turned read-only keeps the temporary file; the next run removes such leftovers


def retry_writes(write: Callable[[], None], what: str, patience_s: float) -> None:
    """Call `write`; while it fails with an OutputError, try again every few seconds for `patience_s` seconds
    (time to free disk space or fix permissions without losing what was computed), then raise the error."""
    deadline = time.monotonic() + patience_s
    interval = min(RETRY_INTERVAL_S, max(patience_s / 4, 0.1))
    while True:
        try:
            write()
            return
        except OutputError as error:
            if time.monotonic() + interval > deadline:
                raise OutputError(f"{error}; {what} was not saved") from None
            logger.warning("%s; %s is kept in memory and written again in %.0f s (for up to %.0f s more): "
                           "free some space or fix the permissions", error, what, interval,
                           deadline - time.monotonic())
            time.sleep(interval)


def atomic_write_text(path: str | os.PathLike, text: str) -> None:
    """Write `text` to `path` atomically (UTF-8)."""
    with atomic_path(path) as temporary:
        temporary.write_text(text, encoding="utf-8")


def json_safe(data: Any) -> Any:
    """`data` with every non-finite float as the string 'nan', 'inf' or '-inf' (bare NaN is not JSON)."""
    if isinstance(data, float) and not math.isfinite(data):
        return str(data)
    if isinstance(data, dict):
        return {key: json_safe(value) for key, value in data.items()}
    if isinstance(data, (list, tuple)):
        return [json_safe(value) for value in data]
    return data


def atomic_write_json(path: str | os.PathLike, data: Any) -> None:
    """Write `data` as indented JSON to `path` atomically (valid JSON: see `json_safe`)."""
    atomic_write_text(path, json.dumps(json_safe(data), indent=2, sort_keys=False, allow_nan=False) + "\n")
