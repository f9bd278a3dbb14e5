"""What this machine can make: the TTS engines and copy-synthesis attacks present, their versions, and the table
`asdf corpus engines` prints."""

from __future__ import annotations

import logging

from asdf.base.errors import DataError
from asdf.corpus_builders.open_spoof.entries import Available
from asdf.corpus_builders.open_spoof.plan import COPY, SYSTEMS
from asdf.corpus_builders.spoofing import attack_package, attack_version, make_attack
from asdf.corpus_builders.tts.engines import ENGINES, engine_rows, engine_version

logger = logging.getLogger(__name__)

COPY_ATTACKS = tuple(dict.fromkeys(s.engines[0] for s in SYSTEMS if s.family == COPY))
TECHNOLOGY = {s.engines[0]: s.technology for s in SYSTEMS if s.family == COPY}
WAVEFAKE_VERSION = "WaveFake data set (Frank & Schonherr 2021)"


def attack_present(name: str) -> bool:
    """True when the attack's optional package (if any) is installed."""
    try:
        make_attack(name)
    except DataError:
        return False
    return True


def copy_synthesis_rows() -> list[tuple[str, ...]]:
    """The engine table's rows of the copy-synthesis attacks."""
    rows = []
    for name in COPY_ATTACKS:
        present, package = attack_present(name), attack_package(name)
        install = "" if present else f"install: pip install {package}"
        version = attack_version(name) if present else "-"
        rows.append((name, "present" if present else "missing", version, TECHNOLOGY[name], "copy-synthesis", install))
    return rows


def inventory_table() -> str:
    """What `asdf corpus engines` prints: one aligned line per TTS engine and copy-synthesis attack."""
    rows = [("engine", "status", "version", "technology", "voices", "")] + engine_rows() + copy_synthesis_rows()
    widths = [max(len(cell) for cell in column) for column in zip(*rows)]
    return "\n".join("  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows)


def survey() -> tuple[Available, dict[str, str]]:
    """What this machine can make, and the version of each engine and attack that will be used; one line per
    missing one."""
    versions, attacks = {"wavefake": WAVEFAKE_VERSION}, set()
    for name in COPY_ATTACKS:
        if not attack_present(name):
            logger.warning("open_spoof: skipping %s (missing; install: pip install %s)", name, attack_package(name))
            continue
        attacks.add(name)
        versions[name] = attack_version(name)
    voices = {}
    for engine in ENGINES:
        version = engine_version(engine)
        if version is None:
            logger.warning("open_spoof: skipping TTS engine %s (missing; install: %s)", engine.name, engine.install)
            continue
        voices[engine.name], versions[engine.name] = engine.voices, version
    return Available(frozenset(attacks), voices), versions
