"""Errors a user can act on; the command line turns them into a message and an exit code."""

from asdf import DISTRIBUTION


class AsdfError(Exception):
    """Base class: the message says what is wrong and, where possible, what to do."""


class ConfigError(AsdfError):
    """A setting, config file or command-line override is wrong."""


class DataError(AsdfError):
    """A corpus, list, audio or score file is missing or malformed."""


class OutputError(AsdfError):
    """A result cannot be written: disk full, read-only or impossible folder. What was written before is kept."""



def install_hint(extra: str) -> str:
    """How to install one of this toolkit's extras (pyproject.toml's optional dependencies)."""
    return f"pip install '{DISTRIBUTION}[{extra}]' (from a clone of asdf: pip install -e '.[{extra}]')"
