"""The real speech of the open corpus: the shared data, the ASVspoof bona fide sample, the user's own folders.

Splits are speaker-disjoint, except LJSpeech: one speaker whose WaveFake fakes train and validate the
neural-vocoder system, so its recordings are divided between train and dev by recording.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path

import numpy as np
import soundfile

from asdf.base.errors import DataError
from asdf.corpus_builders.kit.sources import LJ_SPEAKER, SourceUtterance, find_sources, speakers_of
from asdf.corpus_builders.open_spoof.plan import OpenPreset

logger = logging.getLogger(__name__)

ASVSPOOF_SAMPLE = "asvspoof2019-la-samples/LA_T_1272637.flac"  # the bona fide one of the three samples
USER_AUDIO = (".wav", ".flac", ".ogg", ".mp3")  # what libsndfile decodes
HELD_OUT_FRACTION = 0.2  # of the one-utterance and user speakers, for dev and again for eval
LJ_DEV_FRACTION = 0.25


def decodable(path: Path) -> bool:
    """True when libsndfile can read the file's header; otherwise one warning line naming it."""
    try:
        soundfile.info(str(path))
    except (RuntimeError, soundfile.LibsndfileError) as error:
        logger.warning("open_spoof: leaving out %s: cannot decode it (%s)", path, " ".join(str(error).split()))
        return False
    return True


def user_sources(folder: Path) -> list[SourceUtterance]:
    """Every decodable audio file under a user's folder of real speech; the speaker is the file's folder."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        raise DataError(f"--real-dir {folder}: no such folder (expected a folder of real speech recordings)")
    files = sorted(p for p in folder.rglob("*") if p.suffix.lower() in USER_AUDIO and p.is_file() and decodable(p))
    if not files:
        logger.warning("open_spoof: no audio (%s) under %s; nothing taken from it", ", ".join(USER_AUDIO), folder)
    return [SourceUtterance(str(p), "user", f"user-{folder.name}-{p.parent.name}") for p in files]


def all_sources(source_dir: Path, real_dirs: tuple[Path, ...]) -> list[SourceUtterance]:
    """The shared data's real speech, the ASVspoof bona fide sample where present, then the user's folders."""
    sources = find_sources(source_dir)
    if (source_dir / ASVSPOOF_SAMPLE).is_file():
        sources.append(SourceUtterance(ASVSPOOF_SAMPLE, "asvspoof2019", "asvspoof2019-LA_0079"))
    for folder in real_dirs:
        sources.extend(user_sources(folder))
    return sources


def apply_caps(sources: list[SourceUtterance], preset: OpenPreset, rng: np.random.Generator) -> list[SourceUtterance]:
    """The recordings a preset keeps: a random `cap` of each capped corpus and of each speaker."""
    kept = list(sources)
    for corpus, cap in preset.corpus_caps:
        in_corpus = [s.relative_path for s in kept if s.corpus == corpus]
        dropped = set(in_corpus) - {in_corpus[i] for i in rng.permutation(len(in_corpus))[:cap]}
        kept = [s for s in kept if s.relative_path not in dropped]
    if preset.per_speaker_cap:
        by_speaker: dict[str, list[SourceUtterance]] = {}
        for source in kept:
            by_speaker.setdefault(source.speaker, []).append(source)
        chosen = {s.relative_path for group in by_speaker.values()
                  for s in (group[i] for i in rng.permutation(len(group))[: preset.per_speaker_cap])}
        kept = [s for s in kept if s.relative_path in chosen]
    return kept


def speaker_splits(sources: list[SourceUtterance], rng: np.random.Generator) -> dict[str, str]:
    """Speaker -> split. ARCTIC, LJSpeech and the ASVspoof sample train; test-other speakers (enough recordings
    for ASV enrolment) alternate dev/eval; one-utterance and user speakers go 60/20/20."""
    split_of = {source.speaker: "train" for source in sources}
    enrolled = list(rng.permutation(speakers_of(sources, "librispeech-test-other")))
    split_of.update({speaker: ("dev", "eval")[index % 2] for index, speaker in enumerate(enrolled)})
    spread = speakers_of(sources, "librispeech-train-clean-100") + speakers_of(sources, "user")
    held_out = math.ceil(HELD_OUT_FRACTION * len(spread)) if len(spread) >= 3 else 0
    for index, position in enumerate(rng.permutation(len(spread))):
        split_of[spread[position]] = "dev" if index < held_out else "eval" if index < 2 * held_out else "train"
    return split_of


def recording_splits(
    sources: list[SourceUtterance], speaker_split: dict[str, str], rng: np.random.Generator
) -> dict[str, str]:
    """Recording -> split: its speaker's, except LJSpeech recordings, a quarter of which go to dev."""
    split_of = {source.relative_path: speaker_split[source.speaker] for source in sources}
    lj = [source.relative_path for source in sources if source.speaker == LJ_SPEAKER]
    for index, position in enumerate(rng.permutation(len(lj))):
        split_of[lj[position]] = "dev" if index < round(LJ_DEV_FRACTION * len(lj)) else "train"
    return split_of


def segment_count(duration_s: float, preset: OpenPreset, rng: np.random.Generator) -> int:
    """How many utterances a recording is cut into: parts of a random length between half and all of max_seconds."""
    target = rng.uniform(0.5, 1.0) * preset.max_seconds
    if not preset.segment:
        return 1
    return max(1, math.ceil(duration_s / target))
