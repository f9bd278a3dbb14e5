"""Which files `asdf score` reads: files as given, folders searched recursively by extension, `-` for stdin."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Iterable, TextIO

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".mp4", ".webm", ".wma",
                    ".aif", ".aiff", ".au", ".caf", ".mka")


def normalise_extensions(extensions: Iterable[str]) -> tuple[str, ...]:
    """'.WAV', 'wav' -> '.wav'."""
    return tuple("." + extension.lower().lstrip(".") for extension in extensions)


def expand_inputs(arguments: Iterable[str], extensions: Iterable[str] = AUDIO_EXTENSIONS,
                  stdin: TextIO | None = None) -> list[str]:
    """Audio paths, in order: a folder's matching files sorted, a file as given (even a missing one, which
    then gets an error record), and for `-` each non-empty line of `stdin`."""
    wanted = normalise_extensions(extensions)
    paths = []
    for argument in arguments:
        if argument == "-":
            lines = (line.strip() for line in (stdin or sys.stdin))
            paths.extend(expand_inputs([line for line in lines if line], wanted))
        elif Path(argument).is_dir():
            found = (p for p in Path(argument).rglob("*") if p.suffix.lower() in wanted and p.is_file())
            paths.extend(str(p) for p in sorted(found))
        else:
            paths.append(argument)
    return paths
