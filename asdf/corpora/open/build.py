"""Build the open spoofing corpus in exactly the ASVspoof 2019 LA layout; an interrupted build resumes."""

from __future__ import annotations

import json
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict
from pathlib import Path

from asdf.corpora.demo.build import flac_folder, write_asv, write_cm_protocols
from asdf.corpora.open.entries import plan_open_corpus
from asdf.corpora.open.inventory import survey
from asdf.corpora.open.manifest import write_manifest
from asdf.corpora.open.plan import PRESETS, Entry
from asdf.corpora.open.render import JobResult, Output, RecordingJob, TtsJob, render
from asdf.corpora.open.shortcuts import TRACE_STATISTICS, ShortcutReport, risk_lines, shortcut_report
from asdf.errors import DataError
from asdf.fileio import atomic_write_text

logger = logging.getLogger(__name__)

COMPLETE_MARKER = ".open_spoof_complete"
BUILDING_MARKER = ".open_spoof_building"
PROGRESS_EVERY_S = 30.0


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


def _jobs(entries: list[Entry], source_dir: Path, la_dir: Path, max_seconds: float, seed: int) -> list:
    """Recording jobs (one per source file, with every file made from it) and one job per TTS sentence."""
    outputs: dict[tuple[str, int], list[Output]] = {}
    tts = []
    for entry in entries:
        path = flac_folder(la_dir, entry.split) / f"{entry.utt_id}.flac"
        number = int(entry.utt_id[-7:])
        if entry.engine:
            tts.append(TtsJob(path, entry.engine, entry.voice, entry.text, seed * 10_000_000 + number, max_seconds))
        else:
            outputs.setdefault((entry.source, entry.segments), []).append(
                Output(path, entry.segment, entry.attack, (seed, number)))
    recordings = [RecordingJob(source_dir / source, segments, max_seconds, tuple(files))
                  for (source, segments), files in outputs.items()]
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
    logger.info("open_spoof: trivial MFCC classifier trained on train: EER dev %s, eval %s (50 %%: no shortcut)",
                eers["dev"], eers["eval"])


def build_open_spoof(
    out_dir: str | Path, source_dir: str | Path, preset: str = "small", seed: int = 0,
    real_dirs: tuple[str | Path, ...] = (), workers: int = 2,
) -> Path:
    """Build (or resume, or find complete) the open spoofing corpus under `out_dir`; returns the folder with LA/."""
    if preset not in PRESETS:
        raise DataError(f"unknown preset {preset!r}; choose one of: {', '.join(PRESETS)}")
    root, source_dir = Path(out_dir), Path(source_dir).resolve()
    real_dirs = tuple(Path(folder).resolve() for folder in real_dirs)
    available, versions = survey()
    settings = {"preset": preset, "plan": asdict(PRESETS[preset]), "seed": seed, "source_dir": str(source_dir),
                "real_dirs": [str(folder) for folder in real_dirs], "versions": versions}
    settings = json.loads(json.dumps(settings))  # as the marker files hold it: lists, not tuples
    if _claim(root, settings):
        logger.info("open_spoof: %s is complete (%s); nothing to do", root, COMPLETE_MARKER)
        return root
    entries = plan_open_corpus(source_dir, real_dirs, seed, PRESETS[preset], available)
    atomic_write_text(root / BUILDING_MARKER, json.dumps(settings, indent=2) + "\n")  # planned: files may follow
    la_dir = root / "LA"
    logger.info("open_spoof: %d files (%s preset, seed %d) into %s", len(entries), preset, seed, la_dir)
    jobs = _jobs(entries, source_dir, la_dir, PRESETS[preset].max_seconds, seed)
    failed = _render_all(jobs, workers, len(entries))
    failed_paths = {Path(path).stem for path, _ in failed}
    kept = [entry for entry in entries if entry.utt_id not in failed_paths]
    write_cm_protocols(la_dir, kept)
    write_asv(la_dir, kept, seed)
    write_manifest(root, settings, kept, failed)
    _log_risks(shortcut_report(root, root / "shortcuts", workers), root / "shortcuts" / "shortcuts.md")
    atomic_write_text(root / COMPLETE_MARKER, json.dumps(settings, indent=2) + "\n")
    (root / BUILDING_MARKER).unlink()
    logger.info("open_spoof: done, %d files (%d failed), corpus root %s", len(kept), len(failed), root)
    return root
