"""Plan every file of the open corpus from the source listing, the seed, the preset and the engines present."""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import soundfile

from asdf.corpus_builders.kit.la_layout import assign_ids
from asdf.corpus_builders.kit.sources import SourceUtterance, choose_enrolment
from asdf.corpus_builders.open_spoof import collections
from asdf.corpus_builders.open_spoof import sources as open_sources
from asdf.corpus_builders.open_spoof.collections import CollectedFile
from asdf.corpus_builders.open_spoof.plan import COPY, SPLITS, SYSTEMS, TTS, WAVEFAKE, Entry, OpenPreset, SpoofSystem
from asdf.corpus_builders.open_spoof.texts import sentence_pool

# copy-synthesis spoofs of each collected real segment: the shared data's recordings already give these systems
# thousands of files, and the collected pages' real speech is there to be real in many channels
COLLECTED_COPIES = 1


@dataclass(frozen=True)
class Available:
    """What this machine can make: the copy-synthesis attacks that load and the voices of present TTS engines."""

    attacks: frozenset[str]
    voices: dict[str, tuple[str, ...]]  # engine -> voices

    def usable(self, system: SpoofSystem) -> bool:
        """True when at least one of the system's engines is here (WaveFake needs only its source files)."""
        if system.family == COPY:
            return system.engines[0] in self.attacks
        return system.family == WAVEFAKE or any(engine in self.voices for engine in system.engines)

    def system_voices(self, system: SpoofSystem, split: str) -> list[tuple[str, str]]:
        """(engine, voice) pairs a TTS system reads its texts with in `split` (eval-only voices in eval alone)."""
        pairs = []
        for engine in system.engines:
            voices = self.voices.get(engine, ())
            held_out = len(voices) - system.eval_voices
            pairs += [(engine, voice) for voice in (voices[held_out:] if split == "eval" and system.eval_voices
                                                    else voices[:held_out])]
        return pairs


def _systems(split: str, family: str, available: Available) -> list[SpoofSystem]:
    """The usable systems of one family in one split."""
    return [s for s in SYSTEMS if split in s.splits and s.family == family and available.usable(s)]


def _recording_entries(
    source: SourceUtterance, split: str, speaker: str, segments: int, enrolment: bool,
    copies: list[SpoofSystem], rotation: int, preset: OpenPreset, wavefake: bool,
) -> list[Entry]:
    """The bona fide segments of one recording and the spoofs made from them."""
    if enrolment:
        return [Entry(split, "", speaker, "-", source.relative_path, k, segments, enrolment=True)
                for k in range(segments)]
    if source.fake is not None:  # a WaveFake pair: the real file and its neural-vocoder copy, whole
        real = Entry(split, "", speaker, "-", source.relative_path)
        return [real, Entry(split, "", speaker, "O05", source.fake)] if wavefake else [real]
    entries = []
    for k in range(segments):
        entries.append(Entry(split, "", speaker, "-", source.relative_path, k, segments))
        for offset in range(min(preset.copies_per_segment, len(copies))):
            system = copies[(rotation + k + offset) % len(copies)]
            entries.append(
                Entry(split, "", speaker, system.system, source.relative_path, k, segments, system.engines[0]))
    return entries


def _real_entries(
    sources: list[SourceUtterance], source_dir: Path, split: str, split_of: dict[str, str], speaker_ids: dict[str, str],
    enrolment: set[str], preset: OpenPreset, available: Available, rng: np.random.Generator,
) -> list[Entry]:
    """Bona fide, copy-synthesis and WaveFake entries of one split, recordings in random order."""
    copies = _systems(split, COPY, available)
    wavefake = bool(_systems(split, WAVEFAKE, available))
    in_split = [s for s in sources if split_of[s.relative_path] == split]
    entries: list[Entry] = []
    for position in rng.permutation(len(in_split)):
        source = in_split[position]
        duration = soundfile.info(str(source_dir / source.relative_path)).duration
        segments = open_sources.segment_count(duration, preset, rng)
        entries.extend(_recording_entries(source, split, speaker_ids[source.speaker], segments,
                                          source.relative_path in enrolment, copies, len(entries), preset, wavefake))
    return entries


def _tts_entries(
    split: str, texts: list[str], speaker_ids: dict[str, str], count: int, available: Available
) -> list[Entry]:
    """`count` utterances of each usable TTS system of a split, its voices taking turns over the split's texts."""
    entries = []
    for system in _systems(split, TTS, available):
        voices = available.system_voices(system, split)
        for index in range(round(count * system.count_scale)):
            engine, voice = voices[index % len(voices)]
            speaker = speaker_ids[f"{engine}-{voice}"]
            entries.append(Entry(split, "", speaker, system.system, engine=engine, voice=voice, text=texts[index]))
    return entries


def capped_collection(rows: list[CollectedFile], cap: int, rng: np.random.Generator) -> list[CollectedFile]:
    """A random `cap` of the files of each collected system and of the collected real recordings (0: all)."""
    if not cap:
        return rows
    groups: dict[str, list[CollectedFile]] = {}
    for row in rows:
        groups.setdefault(row.system, []).append(row)
    kept = {row.origin for group in groups.values() for row in (group[i] for i in rng.permutation(len(group))[:cap])}
    return [row for row in rows if row.origin in kept]


def _collected_entries(
    rows: list[CollectedFile], split: str, split_of: dict[str, str], speaker_ids: dict[str, str],
    ids: dict[str, str], preset: OpenPreset, available: Available, rng: np.random.Generator,
) -> list[Entry]:
    """The collected files of one split, cut into utterances; their real recordings also get copy-synthesis."""
    copies = _systems(split, COPY, available)
    preset = replace(preset, copies_per_segment=min(COLLECTED_COPIES, preset.copies_per_segment))
    entries: list[Entry] = []
    for row in (row for row in rows if split_of[row.origin] == split):
        segments = open_sources.segment_count(row.duration_s, preset, rng)
        speaker = speaker_ids[collections.speaker_key(row)]
        if not row.is_spoof:
            planned = _recording_entries(SourceUtterance(row.origin, "collected", speaker), split, speaker, segments,
                                         False, copies, len(entries), preset, wavefake=False)
            entries += [replace(entry, blob=row.blob) for entry in planned]
            continue
        entries += [Entry(split, "", speaker, ids[row.system], row.origin, k, segments, blob=row.blob)
                    for k in range(segments)]
    return entries


def plan_open_corpus(
    source_dir: Path, real_dirs: tuple[Path, ...], seed: int, preset: OpenPreset, available: Available,
    collected: list[CollectedFile] = (), collected_ids: dict[str, str] | None = None,
) -> list[Entry]:
    """Every flac file of the corpus, decided from the source listing, the seed, the preset, `available` and the
    collected files present; `collected_ids` numbers the collected systems (the whole manifest's numbering, so an
    absent system shifts no other's id; by default that of `collected`)."""
    ids = collected_ids or collections.system_ids(list(collected))
    rng = np.random.default_rng(seed)
    collected = capped_collection(list(collected), preset.collected_cap, np.random.default_rng([seed, 1]))
    collected_split = collections.collected_splits(collected, seed)
    sources = open_sources.apply_caps(open_sources.all_sources(source_dir, real_dirs), preset, rng)
    speaker_split = open_sources.speaker_splits(sources, rng)
    split_of = open_sources.recording_splits(sources, speaker_split, rng)
    enrolment = choose_enrolment(sources, speaker_split, rng, preset.enrolment_utterances)
    voices = sorted(f"{engine}-{voice}" for engine, names in available.voices.items() for voice in names)
    collected_speakers = sorted({collections.speaker_key(row) for row in collected})
    speaker_ids = {name: f"LA_{number:04d}"
                   for number, name in enumerate(sorted(speaker_split) + voices + collected_speakers, start=1)}
    texts = sentence_pool(source_dir, rng, sum(preset.tts_per_system))
    entries, start = [], 0
    for split, count in zip(SPLITS, preset.tts_per_system):
        planned = _real_entries(sources, source_dir, split, split_of, speaker_ids, enrolment, preset, available, rng)
        planned += _tts_entries(split, texts[start : start + count], speaker_ids, count, available)
        planned += _collected_entries(collected, split, collected_split, speaker_ids, ids, preset, available, rng)
        entries.extend(assign_ids(planned, split, rng))
        start += count
    return entries
