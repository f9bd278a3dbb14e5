"""Hooks for the fault tests, inert in normal runs.

`ASDF_KILL_AT=<event>` makes the process SIGKILL itself at that event, as `kill -9` would.
`ASDF_DISK_FULL_AT=<event>` makes that event fail as a full disk does (OSError ENOSPC), the first
`ASDF_DISK_FULL_TIMES` times (default: every time) it is reached in the process.

Events: 'step <epoch>.<step>' (before that training step), 'write <file> <epoch>' (a checkpoint about to be
written to its temporary file), 'save <file> <epoch>' (written to its temporary file but not yet renamed).
"""

from __future__ import annotations

import errno
import os
import signal

KILL_AT = "ASDF_KILL_AT"
DISK_FULL_AT = "ASDF_DISK_FULL_AT"
DISK_FULL_TIMES = "ASDF_DISK_FULL_TIMES"
_failures = {"count": 0}


def reached(event: str) -> None:
    """Die at once if ASDF_KILL_AT names `event`; fail as a full disk if ASDF_DISK_FULL_AT does."""
    if os.environ.get(KILL_AT) == event:
        os.kill(os.getpid(), signal.SIGKILL)
    if os.environ.get(DISK_FULL_AT) == event:
        times = int(os.environ.get(DISK_FULL_TIMES, "0"))
        if not times or _failures["count"] < times:
            _failures["count"] += 1
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
