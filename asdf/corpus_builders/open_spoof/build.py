"""Build the open spoofing corpus in exactly the ASVspoof 2019 LA layout; an interrupted build resumes."""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from asdf.base.errors import DataError
from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.kit.la_layout import flac_folder, write_asv, write_cm_protocols
from asdf.corpus_builders.open_spoof.collections import (
    HELD_OUT_FAMILIES,
    HELD_OUT_SYSTEMS,
    CollectedFile,
    find_collected,
    read_manifest,
    system_ids,
)
from asdf.corpus_builders.open_spoof.entries import plan_open_corpus
from asdf.corpus_builders.open_spoof.inventory import survey
from asdf.corpus_builders.open_spoof.manifest import write_manifest
from asdf.corpus_builders.open_spoof.plan import PRESETS, SYSTEMS, Entry, attack_seed, tts_seed
from asdf.corpus_builders.open_spoof.render import JobResult, Output, RecordingJob, TtsJob, render
from asdf.corpus_builders.shortcuts import TRACE_STATISTICS, ShortcutReport, risk_lines, shortcut_report

logger = logging.getLogger(__name__)

COMPLETE_MARKER = ".open_spoof_complete"
BUILDING_MARKER = ".open_spoof_building"
PROGRESS_EVERY_S = 30.0
NEURAL_SYSTEMS = {system.system for system in SYSTEMS if system.neural}
NEURAL_SOURCES = "neural_sources"  # the shortcut report of every bona fide file against the neural fakes alone


def _claim(root: Path, settings: dict) -> bool:
    """True when the same build is complete; refuse a folder holding anything but this build, done or not."""
    for marker, state in ((COMPLETE_MARKER, "complete"), (BUILDING_MARKER, "unfinished")):
        if (root / marker).is_file():
            earlier = json.loads((root / marker).read_text(encoding="utf-8"))
            if earlier != settings:
                changed = ", ".join(sorted(k for k in settings | earlier if settings.get(k) != earlier.get(k)))
                raise DataError(f"{root} holds a {state} open_spoof build with other settings (changed: {changed}; "
                                f"see {root / marker}); use another --out or remove it")
            return state == "complete"
    if (root / "LA").exists():
        raise DataError(f"{root / 'LA'} exists and is not an open_spoof build; refusing to overwrite it")
    return False


def _jobs(
    entries: list[Entry], source_dir: Path, la_dir: Path, max_seconds: float, seed: int, folders: dict[str, Path]
) -> list:
    """Recording jobs (one per source file, with every file made from it) and one job per TTS sentence;
    `folders` maps a collected file's origin to its repository."""
    outputs: dict[tuple[str, int, str], list[Output]] = {}
    tts = []
    for entry in entries:
        path = flac_folder(la_dir, entry.split) / f"{entry.utt_id}.flac"
        if entry.engine:
            tts.append(TtsJob(path, entry.engine, entry.voice, entry.text, tts_seed(seed, entry.utt_id), max_seconds))
        else:
            outputs.setdefault((entry.source, entry.segments, entry.blob), []).append(
                Output(path, entry.segment, entry.attack, attack_seed(seed, entry.utt_id)))
    recordings = [RecordingJob(folders[source] if blob else source_dir / source, segments, max_seconds,
                               tuple(files), blob, source)
                  for (source, segments, blob), files in outputs.items()]
    return recordings + tts


def _render_all(jobs: list, workers: int, total: int) -> list[tuple[str, str]]:
    """Run every job, logging progress for `tail -f`; returns the files that failed, with why."""
    failed: list[tuple[str, str]] = []
    progress = _Progress(total)
    if workers <= 1:
        for result in map(render, jobs):
            failed.extend(progress.add(result))
        return failed
    # Spawned, not forked, workers: the caller may hold torch's thread pools, which do not survive a fork.
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        for future in as_completed([pool.submit(render, job) for job in jobs]):
            failed.extend(progress.add(future.result()))
    return failed


class _Progress:
    """Counts finished files and logs a line every PROGRESS_EVERY_S seconds and at the end."""

    def __init__(self, total: int) -> None:
        self.total, self.done, self.new, self.failed = total, 0, 0, 0
        self.started = self.last = time.monotonic()

    def add(self, result: JobResult) -> tuple[tuple[str, str], ...]:
        """Count one job's files; log the failures at once."""
        self.done += result.written + result.existing + len(result.failed)
        self.new += result.written
        self.failed += len(result.failed)
        for path, reason in result.failed:
            logger.error("open_spoof: %s not written: %s", path, reason)
        now = time.monotonic()
        if now - self.last >= PROGRESS_EVERY_S or self.done == self.total:
            self.last = now
            rate = self.new / max(now - self.started, 1e-9)
            left = (self.total - self.done) / rate / 60 if rate > 0 else 0.0
            logger.info("open_spoof: %d/%d files (%.0f %%), %d failed, %.1f files/s, about %.0f min left",
                        self.done, self.total, 100 * self.done / self.total, self.failed, rate, left)
        return result.failed


def _log_risks(report: ShortcutReport, markdown: Path) -> None:
    """A warning per trace statistic at risk; the MFCC statistics at risk in one line (they also see voices)."""
    for line in risk_lines(report, include_mfcc=False):
        logger.warning("open_spoof: %s", line)
    mfcc = {risk.statistic for risk in report.risks if risk.statistic not in TRACE_STATISTICS}
    if mfcc:
        logger.info("open_spoof: %d MFCC statistics separate some system from bona fide (voices and artefacts "
                    "differ too); see %s", len(mfcc), markdown)
    eers = {split: "-" if eer is None else f"{100 * eer:.1f} %" for split, eer in report.classifier_eer.items()}
    logger.info("open_spoof: trivial MFCC classifier trained on train: EER dev %s, eval %s (50 %%: no shortcut; %s)",
                eers["dev"], eers["eval"], markdown)


def _collections(
    folder: Path | None, manifest: Path | None
) -> tuple[list[tuple[CollectedFile, Path]], list, dict[str, str], dict | None]:
    """The manifest's collected files found under `folder` (with their repository), those missing, the protocol
    ids of its systems, and what the build's settings record of them (the folder, the manifest and a digest of
    what decides the plan)."""
    if folder is None:
        return [], [], {}, None
    rows = read_manifest(manifest)
    found, missing = find_collected(folder, rows)
    logger.info("open_spoof: %d of the collections manifest's files found under %s, %d missing", len(found),
                folder, len(missing))
    # what decides the collected part of the plan: the rows (labels, systems, pairing), what is held out, and
    # which files are here; a change of any of them is another build
    planned = repr((rows, HELD_OUT_FAMILIES, HELD_OUT_SYSTEMS, sorted(row.blob for row, _ in found)))
    recorded = {"folder": str(folder), "manifest": str(manifest or "shipped"), "found": len(found),
                "plan_sha1": hashlib.sha1(planned.encode()).hexdigest()}
    return found, missing, system_ids(rows), recorded


def build_open_spoof(
    out_dir: str | Path, source_dir: str | Path, preset: str = "small", seed: int = 0,
    real_dirs: tuple[str | Path, ...] = (), workers: int = 2, collections_dir: str | Path | None = None,
    collections_manifest: str | Path | None = None,
) -> Path:
    """Build (or resume, or find complete) the open spoofing corpus under `out_dir`; returns the folder with LA/.

    `collections_dir` holds clones of the repositories of the collections manifest (the shipped one unless
    `collections_manifest` names another), as asdf corpus get-collections makes them."""
    if preset not in PRESETS:
        raise DataError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    root, source_dir = Path(out_dir), Path(source_dir).resolve()
    real_dirs = tuple(Path(folder).resolve() for folder in real_dirs)
    found, missing, ids, collected_settings = _collections(
        None if collections_dir is None else Path(collections_dir).resolve(),
        None if collections_manifest is None else Path(collections_manifest).resolve())
    available, versions = survey()
    settings = {"preset": preset, "plan": asdict(PRESETS[preset]), "seed": seed, "source_dir": str(source_dir),
                "real_dirs": [str(folder) for folder in real_dirs], "collections": collected_settings,
                "versions": versions}
    settings = json.loads(json.dumps(settings))  # as the marker files hold it: lists, not tuples
    if _claim(root, settings):
        logger.info("open_spoof: %s is complete (%s); nothing to do", root, COMPLETE_MARKER)
        return root
    collected = [row for row, _ in found]
    entries = plan_open_corpus(source_dir, real_dirs, seed, PRESETS[preset], available, collected, ids)
    atomic_write_text(root / BUILDING_MARKER, json.dumps(settings, indent=2) + "\n")  # planned: files may follow
    la_dir = root / "LA"
    logger.info("open_spoof: %d files (%s preset, seed %d) into %s", len(entries), preset, seed, la_dir)
    folders = {row.origin: folder for row, folder in found}
    jobs = _jobs(entries, source_dir, la_dir, PRESETS[preset].max_seconds, seed, folders)
    failed = _render_all(jobs, workers, len(entries))
    failed_paths = {Path(path).stem for path, _ in failed}
    kept = [entry for entry in entries if entry.utt_id not in failed_paths]
    write_cm_protocols(la_dir, kept)
    write_asv(la_dir, kept, seed)
    used = {entry.source for entry in kept if entry.blob}
    write_manifest(root, settings, kept, failed, [row for row in collected if row.origin in used], missing, ids)
    neural = {entry.system for entry in kept if entry.blob and entry.key == "spoof"} | NEURAL_SYSTEMS
    report, subsets = shortcut_report(root, root / "shortcuts", workers, subsets={NEURAL_SOURCES: neural})
    _log_risks(report, root / "shortcuts" / "shortcuts.md")
    if NEURAL_SOURCES in subsets:
        _log_risks(subsets[NEURAL_SOURCES], root / "shortcuts" / NEURAL_SOURCES / "shortcuts.md")
    atomic_write_text(root / COMPLETE_MARKER, json.dumps(settings, indent=2) + "\n")
    (root / BUILDING_MARKER).unlink()
    logger.info("open_spoof: done, %d files (%d failed), corpus root %s", len(kept), len(failed), root)
    return root
