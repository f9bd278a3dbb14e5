"""What the demo corpus contains: the attack table, the size settings, and one planned entry per flac file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asdf.corpus_builders.kit.la_layout import assign_ids
from asdf.corpus_builders.kit.sources import SourceUtterance, assign_splits, choose_enrolment, find_sources

SPLITS = ("train", "dev", "eval")
WAVEFAKE = "wavefake"


@dataclass(frozen=True)
class DemoAttack:
    """One row of the attack table: system id, attack name (`spoofing`) or 'wavefake', splits it is in."""

    system: str
    name: str
    splits: tuple[str, ...]
    description: str


# As in ASVspoof 2019, dev uses the training attacks and eval adds unseen ones (D02 is the known one there).
TRAIN_DEV, ALL, EVAL = ("train", "dev"), ("train", "dev", "eval"), ("eval",)
ATTACK_TABLE = (
    DemoAttack("D01", "griffin_lim", TRAIN_DEV, "80-band mel spectrogram inverted by 32 fast Griffin-Lim iterations"),
    DemoAttack("D02", "lpc_vocoder", ALL, "LPC (order 18) vocoder with pulse-train/noise excitation"),
    DemoAttack("D03", "harmonic_noise", TRAIN_DEV, "harmonic-plus-noise vocoder, harmonics below 4 kHz"),
    DemoAttack("D04", "envelope_warp", EVAL, "formant (spectral-envelope) warping by 8-18 %, pitch and phase kept"),
    DemoAttack("D05", "pitch_shift", EVAL, "phase-vocoder pitch shift by 2-4 semitones up or down"),
    DemoAttack("D06", WAVEFAKE, EVAL, "WaveFake neural-vocoder copies of LJSpeech utterances (real fakes)"),
)
WAVEFAKE_SYSTEM = next(attack.system for attack in ATTACK_TABLE if attack.name == WAVEFAKE)


@dataclass(frozen=True)
class DemoPlan:
    """Size settings: duration cap, held-out one-utterance speakers, enrolment and spoofs per recording."""

    max_seconds: float = 6.0
    dev_speakers: int = 35
    eval_speakers: int = 30
    enrolment_utterances: int = 3
    spoofs_per_utterance: int = 2


@dataclass(frozen=True)
class Entry:
    """One planned flac file: its split, ids, system ('-' bona fide), source file and attack to apply."""

    split: str
    utt_id: str
    speaker: str
    system: str
    source: str
    attack: str | None
    enrolment: bool = False

    @property
    def key(self) -> str:
        """bonafide or spoof."""
        return "bonafide" if self.system == "-" else "spoof"


def _entries_of(source: SourceUtterance, split: str, speaker: str, attacks: list[DemoAttack]) -> list[Entry]:
    """The bona fide entry of a trial recording and its spoofs (its WaveFake copy, else `attacks`)."""
    entries = [Entry(split, "", speaker, "-", source.relative_path, None)]
    if source.fake is not None:
        return entries + [Entry(split, "", speaker, WAVEFAKE_SYSTEM, source.fake, None)]
    return entries + [Entry(split, "", speaker, a.system, source.relative_path, a.name) for a in attacks]


def _split_entries(
    sources: list[SourceUtterance], split: str, speaker_ids: dict[str, str], enrolment: set[str],
    rng: np.random.Generator, spoofs_per_utterance: int,
) -> list[Entry]:
    """Entries of one split; the split's own attacks are rotated over its recordings in random order."""
    attacks = [a for a in ATTACK_TABLE if split in a.splits and a.name != WAVEFAKE]
    per_utterance = min(spoofs_per_utterance, len(attacks))
    entries, rotation = [], 0
    for index in rng.permutation(len(sources)):
        source = sources[index]
        speaker = speaker_ids[source.speaker]
        if source.relative_path in enrolment:
            entries.append(Entry(split, "", speaker, "-", source.relative_path, None, enrolment=True))
            continue
        chosen = [attacks[(rotation + offset) % len(attacks)] for offset in range(per_utterance)]
        rotation += source.fake is None
        entries.extend(_entries_of(source, split, speaker, chosen))
    return entries


def plan_corpus(source_dir: Path, seed: int, plan: DemoPlan) -> list[Entry]:
    """Every flac file of the corpus, decided from the source listing and the seed alone."""
    rng = np.random.default_rng(seed)
    sources = find_sources(source_dir)
    split_of = assign_splits(sources, rng, plan.dev_speakers, plan.eval_speakers)
    enrolment = choose_enrolment(sources, split_of, rng, plan.enrolment_utterances)
    speakers = sorted(split_of)
    speaker_ids = {speaker: f"LA_{number:04d}" for number, speaker in enumerate(speakers, start=1)}
    entries = []
    for split in SPLITS:
        in_split = [s for s in sources if split_of[s.speaker] == split]
        planned = _split_entries(in_split, split, speaker_ids, enrolment, rng, plan.spoofs_per_utterance)
        entries.extend(assign_ids(planned, split, rng))
    return entries
