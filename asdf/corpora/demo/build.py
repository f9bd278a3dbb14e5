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

from asdf.audio import read_audio
from asdf.corpora.demo import asv as demo_asv
from asdf.corpora.demo.audio import condition, normalise_level, write_flac
from asdf.corpora.demo.manifest import write_manifest
from asdf.corpora.demo.plan import ATTACK_TABLE, DemoPlan, Entry, plan_corpus
from asdf.errors import DataError
from asdf.fileio import atomic_write_text
from asdf.spoofing import make_attack
from asdf.spoofing.dsp import SAMPLE_RATE

logger = logging.getLogger(__name__)

COMPLETE_MARKER = ".demo_la_complete"
BUILDING_MARKER = ".demo_la_building"
CM_SUFFIXES = {"train": "train.trn", "dev": "dev.trl", "eval": "eval.trl"}


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


def flac_folder(la_dir: Path, split: str) -> Path:
    """Where a split's audio goes."""
    return la_dir / f"ASVspoof2019_LA_{split}" / "flac"


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


def write_cm_protocols(la_dir: Path, entries: list) -> None:
    """The three CM protocols, five columns `SPEAKER UTT - SYSTEM KEY`, sorted by speaker then utterance."""
    folder = la_dir / "ASVspoof2019_LA_cm_protocols"
    for split, suffix in CM_SUFFIXES.items():
        rows = sorted((e.speaker, e.utt_id, e.system, e.key) for e in entries if e.split == split and not e.enrolment)
        text = "".join(f"{speaker} {utt} - {system} {key}\n" for speaker, utt, system, key in rows)
        atomic_write_text(folder / f"ASVspoof2019.LA.cm.{suffix}.txt", text)


def write_asv(la_dir: Path, entries: list, seed: int) -> None:
    """ASV enrolment and trial lists and the demo ASV system's scores for dev and eval."""
    rng = np.random.default_rng([seed, 2019])
    train_flac = flac_folder(la_dir, "train")
    asv = demo_asv.DemoAsv([train_flac / f"{e.utt_id}.flac" for e in entries if e.split == "train" and e.system == "-"])
    for split in ("dev", "eval"):
        flac = flac_folder(la_dir, split)
        enrolment: dict[str, list[Path]] = {}
        for entry in (e for e in entries if e.split == split and e.enrolment):
            enrolment.setdefault(entry.speaker, []).append(flac / f"{entry.utt_id}.flac")
        cm_trials = sorted((e.speaker, e.utt_id, e.system) for e in entries if e.split == split and not e.enrolment)
        trials = demo_asv.make_trials(cm_trials, sorted(enrolment), rng)
        scores = demo_asv.score_trials(asv, trials, enrolment, flac)
        demo_asv.write_asv_files(la_dir, split, enrolment, trials, scores)
        logger.info("%s ASV trials %d, %d enrolled speakers", split, len(trials), len(enrolment))


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
