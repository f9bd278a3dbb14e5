"""Which files `asdf score` reads: files as given, folders searched recursively by extension, `-` for stdin."""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Iterable, TextIO

from asdf.base.errors import DataError

logger = logging.getLogger(__name__)

AUDIO_EXTENSIONS = (".wav", ".flac", ".mp3", ".ogg", ".opus", ".m4a", ".aac", ".mp4", ".webm", ".wma",
                    ".aif", ".aiff", ".au", ".caf", ".mka")


def normalise_extensions(extensions: Iterable[str]) -> tuple[str, ...]:
    """'.WAV', 'wav' -> '.wav'."""
    return tuple("." + extension.lower().lstrip(".") for extension in extensions)


def expand_inputs(arguments: Iterable[str], extensions: Iterable[str] = AUDIO_EXTENSIONS,
                  stdin: TextIO | None = None) -> list[str]:
    """Audio paths, in order: a folder's matching files sorted, a file as given (even a missing one, which
    then gets an error record), and for `-` each non-empty line of `stdin`. No path at all is a DataError
    naming the folders and extensions searched; a folder without matches among others is a warning."""
    wanted = normalise_extensions(extensions)
    empty_folders, paths, silent_stdin = [], [], False
    for argument in arguments:
        found = _expand(argument, wanted, stdin, empty_folders)
        silent_stdin |= argument == "-" and not found
        paths.extend(found)
    searched = f"no files with the extensions {' '.join(wanted)} (searched recursively; --extensions sets them)"
    if not paths:
        message = f"no audio files to score in {', '.join(empty_folders)}: {searched}" if empty_folders else ""
        if silent_stdin:
            message = (message + "; " if message else "no audio files to score: ") + "standard input listed no paths"
        raise DataError(message)
    for folder in empty_folders:
        logger.warning("no audio files to score in %s: %s", folder, searched)
    return paths


def _expand(argument: str, wanted: tuple[str, ...], stdin: TextIO | None, empty_folders: list[str]) -> list[str]:
    """The paths one argument stands for; folders that yield none are added to `empty_folders`."""
    if argument == "-":
        lines = (line.strip() for line in (stdin or sys.stdin))
        return [path for line in lines if line for path in _expand(line, wanted, None, empty_folders)]
    if Path(argument).is_dir():
        found = sorted(p for p in Path(argument).rglob("*") if p.suffix.lower() in wanted and p.is_file())
        if not found:
            empty_folders.append(argument)
        return [str(p) for p in found]
    return [argument]
