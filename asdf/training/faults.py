"""A hook for the resume tests: `ASDF_KILL_AT=<event>` makes the process SIGKILL itself at that event.

Events: 'step <epoch>.<step>' (before that training step), 'save <file> <epoch>' (a checkpoint written to its
temporary file but not yet renamed into place). Unset in normal runs, where `reached` does nothing.
"""

from __future__ import annotations

import os
import signal

KILL_AT = "ASDF_KILL_AT"


def reached(event: str) -> None:
    """Die at once, as `kill -9` would, if ASDF_KILL_AT names `event`."""
    if os.environ.get(KILL_AT) == event:
        os.kill(os.getpid(), signal.SIGKILL)
