"""Build the demo corpus: real speech and spoofs of it, in exactly the ASVspoof 2019 LA layout."""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
from concurrent.futures import ProcessPoolExecutor
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Iterable

import numpy as np

from asdf.base.errors import DataError
from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.demo_la.manifest import write_manifest
from asdf.corpus_builders.demo_la.plan import ATTACK_TABLE, DemoPlan, Entry, plan_corpus
from asdf.corpus_builders.kit.conditioning import condition, normalise_level, write_flac
from asdf.corpus_builders.kit.la_layout import flac_folder, write_asv, write_cm_protocols
from asdf.corpus_builders.spoofing import make_attack
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE
from asdf.data.audio import read_audio

logger = logging.getLogger(__name__)

COMPLETE_MARKER = ".demo_la_complete"
BUILDING_MARKER = ".demo_la_building"


@dataclass(frozen=True)
class RenderJob:
    """One source recording and the corpus files made from it: (flac path, attack or None, seed)."""

    source: Path
    max_seconds: float
    outputs: tuple[tuple[Path, str | None, tuple[int, int]], ...]


def render(job: RenderJob) -> int:
    """Write the bona fide copy and the spoofs of one source recording; returns how many files."""
    material = condition(read_audio(job.source, SAMPLE_RATE), job.max_seconds)
    for path, attack, seed in job.outputs:
        audio = material if attack is None else make_attack(attack)(material, np.random.default_rng(seed))
        write_flac(path, normalise_level(audio))
    return len(job.outputs)


def _jobs(entries: list[Entry], source_dir: Path, la_dir: Path, plan: DemoPlan, seed: int) -> list[RenderJob]:
    """Group the planned files by the recording they are made from."""
    outputs: dict[str, list] = {}
    for entry in entries:
        path = flac_folder(la_dir, entry.split) / f"{entry.utt_id}.flac"
        outputs.setdefault(entry.source, []).append((path, entry.attack, (seed, int(entry.utt_id[-7:]))))
    return [RenderJob(source_dir / source, plan.max_seconds, tuple(files)) for source, files in outputs.items()]


def _render_all(jobs: list[RenderJob], workers: int) -> None:
    """Run the jobs on `workers` processes (in this one if 1)."""
    if workers <= 1:
        _log_progress(map(render, jobs), jobs)
        return
    # Spawned, not forked, workers: the caller may hold torch's thread pools, which do not survive a fork.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        _log_progress(pool.map(render, jobs), jobs)


def _log_progress(written_counts: Iterable[int], jobs: list[RenderJob]) -> None:
    """Consume the rendering results, logging about every tenth of the files."""
    total = sum(len(job.outputs) for job in jobs)
    done, next_report = 0, total / 10
    for written in written_counts:
        done += written
        if done >= next_report or done == total:
            logger.info("demo_la: wrote %d/%d files", done, total)
            next_report += total / 10


def _claim_folder(root: Path, settings: dict) -> bool:
    """True when a finished build with the same settings is already there; otherwise clear our own leftovers."""
    complete = root / COMPLETE_MARKER
    if complete.is_file():
        if json.loads(complete.read_text(encoding="utf-8")) != settings:
            raise DataError(f"{root} holds a demo corpus built with other settings ({complete}); remove it first")
        return True
    if (root / "LA").exists():
        if not (root / BUILDING_MARKER).is_file():
            raise DataError(f"{root / 'LA'} exists and is not an unfinished demo build; refusing to overwrite it")
        shutil.rmtree(root / "LA")
    root.mkdir(parents=True, exist_ok=True)
    (root / BUILDING_MARKER).write_text("unfinished demo_la build\n", encoding="utf-8")
    return False


def prepare_demo_la(
    source_dir: str | Path, out_dir: str | Path, seed: int = 0, plan: DemoPlan = DemoPlan(), workers: int = 2
) -> Path:
    """Build (or find already built) the demo corpus under `out_dir`; returns the folder that contains LA/."""
    source_dir, root = Path(source_dir).resolve(), Path(out_dir)
    settings = {"seed": seed, "source_dir": str(source_dir), "plan": asdict(plan)}
    if _claim_folder(root, settings):
        logger.info("demo_la: %s is complete (%s); nothing to do", root, COMPLETE_MARKER)
        return root
    entries = plan_corpus(source_dir, seed, plan)
    la_dir = root / "LA"
    logger.info("demo_la: %d files from %s into %s", len(entries), source_dir, la_dir)
    _render_all(_jobs(entries, source_dir, la_dir, plan, seed), workers)
    write_cm_protocols(la_dir, entries)
    write_asv(la_dir, entries, seed)
    write_manifest(root, settings, entries, ATTACK_TABLE)
    atomic_write_text(root / COMPLETE_MARKER, json.dumps(settings, indent=2) + "\n")
    (root / BUILDING_MARKER).unlink()
    logger.info("demo_la: done, corpus root %s", root)
    return root
