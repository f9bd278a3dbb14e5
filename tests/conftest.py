"""Shared fixtures: the shared data folder (skipped cleanly when absent) and seeded RNGs."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def shared_data_folder() -> Path:
    """The shared data folder: $ASDF_SHARED_DATA, else ../shared/data beside the repository."""
    return Path(os.environ.get("ASDF_SHARED_DATA", REPO_ROOT.parent / "shared" / "data"))


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """Path of the shared data folder; skips the test with a clear message when it is absent."""
    folder = shared_data_folder()
    if not (folder / "README.md").is_file():
        pytest.skip(f"shared data folder not found at {folder} (set ASDF_SHARED_DATA to its path)")
    return folder


@pytest.fixture
def rng() -> np.random.Generator:
    """A seeded NumPy generator, so tests are repeatable."""
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def asdf_logger_as_found():
    """Each test leaves the `asdf` logger as it found it, so a test that sets up logging changes no later test."""
    logger = logging.getLogger("asdf")
    handlers, level, propagate = logger.handlers[:], logger.level, logger.propagate
    yield
    for handler in set(logger.handlers) - set(handlers):
        handler.close()
    logger.handlers[:] = handlers
    logger.setLevel(level)
    logger.propagate = propagate
