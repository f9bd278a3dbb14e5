"""The ASVspoof 2019 LA layout of every corpus built here: utterance ids, flac folders, CM protocols, ASV files."""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

import numpy as np

from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.kit import asv as asv_system

logger = logging.getLogger(__name__)

SPLIT_LETTERS = {"train": "T", "dev": "D", "eval": "E"}
CM_SUFFIXES = {"train": "train.trn", "dev": "dev.trl", "eval": "eval.trl"}


def assign_ids(entries: list, split: str, rng: np.random.Generator) -> list:
    """Give each entry a distinct random 7-digit utterance id, LA_<T|D|E>_nnnnnnn."""
    numbers = 1_000_000 + rng.choice(9_000_000, size=len(entries), replace=False)
    letter = SPLIT_LETTERS[split]
    return [replace(entry, utt_id=f"LA_{letter}_{number}") for entry, number in zip(entries, numbers)]


def flac_folder(la_dir: Path, split: str) -> Path:
    """Where a split's audio goes."""
    return la_dir / f"ASVspoof2019_LA_{split}" / "flac"


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
    train_bonafide = [train_flac / f"{e.utt_id}.flac" for e in entries if e.split == "train" and e.system == "-"]
    asv = asv_system.DemoAsv(train_bonafide)
    for split in ("dev", "eval"):
        flac = flac_folder(la_dir, split)
        enrolment: dict[str, list[Path]] = {}
        for entry in (e for e in entries if e.split == split and e.enrolment):
            enrolment.setdefault(entry.speaker, []).append(flac / f"{entry.utt_id}.flac")
        cm_trials = sorted((e.speaker, e.utt_id, e.system) for e in entries if e.split == split and not e.enrolment)
        trials = asv_system.make_trials(cm_trials, sorted(enrolment), rng)
        scores = asv_system.score_trials(asv, trials, enrolment, flac)
        asv_system.write_asv_files(la_dir, split, enrolment, trials, scores)
        logger.info("%s ASV trials %d, %d enrolled speakers", split, len(trials), len(enrolment))
