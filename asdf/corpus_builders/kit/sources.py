"""The real speech the built corpora are made of: where each source lives, whose voice it is, and its split."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from asdf.base.errors import DataError

LJ_SPEAKER = "ljspeech-LJ"
# (corpus, glob under the source folder); the speaker is read from the file name or folder.
SOURCE_GLOBS = (
    ("librispeech-train-clean-100", "speech/librispeech/train-clean-100/*.flac"),
    ("librispeech-test-other", "speech/librispeech/test-other/*/*.flac"),
    ("arctic", "speech/arctic/*.wav"),
    ("ljspeech", "speech/ljspeech/*.wav"),
    ("wavefake-real", "vocoded/wavefake-ljspeech/real/*.wav"),
)
FAKE_FOLDER = "vocoded/wavefake-ljspeech/fake"


@dataclass(frozen=True)
class SourceUtterance:
    """One real recording; `fake` is its WaveFake neural-vocoder copy where there is one."""

    relative_path: str
    corpus: str
    speaker: str
    fake: str | None = None


def source_speaker(corpus: str, path: Path) -> str:
    """The speaker of a source file, prefixed by its corpus so names never collide."""
    if corpus.startswith("librispeech"):
        return f"librispeech-{path.name.split('-')[0]}"
    if corpus == "arctic":
        # The two files without a speaker in their name are slt's (see the data folder's README).
        match = re.match(r"cmu_arctic_us_([a-z]+)_", path.name)
        return f"arctic-{match.group(1) if match else 'slt'}"
    return LJ_SPEAKER


def find_sources(source_dir: Path) -> list[SourceUtterance]:
    """Every usable source recording under `source_dir`, sorted by path."""
    sources = []
    for corpus, pattern in SOURCE_GLOBS:
        for path in sorted(source_dir.glob(pattern)):
            relative = path.relative_to(source_dir).as_posix()
            fake = f"{FAKE_FOLDER}/{path.stem}_gen.wav" if corpus == "wavefake-real" else None
            if fake is not None and not (source_dir / fake).is_file():
                continue
            sources.append(SourceUtterance(relative, corpus, source_speaker(corpus, path), fake))
    if not sources:
        raise DataError(f"no source speech found under {source_dir} (expected e.g. {SOURCE_GLOBS[0][1]})")
    return sources


def speakers_of(sources: list[SourceUtterance], corpus: str) -> list[str]:
    """Sorted distinct speakers of one source corpus."""
    return sorted({source.speaker for source in sources if source.corpus == corpus})


def assign_splits(
    sources: list[SourceUtterance], rng: np.random.Generator, dev_speakers: int, eval_speakers: int
) -> dict[str, str]:
    """Speaker -> train/dev/eval, so that no speaker is in two splits.

    LJSpeech (with its WaveFake fakes) is all eval; ARCTIC all train; the LibriSpeech test-other speakers
    (many utterances each, for ASV target trials) alternate dev/eval; of the one-utterance LibriSpeech
    train-clean-100 speakers, `dev_speakers` go to dev, `eval_speakers` to eval and the rest to train.
    """
    split_of = {speaker: "train" for speaker in speakers_of(sources, "arctic")}
    if any(source.speaker == LJ_SPEAKER for source in sources):
        split_of[LJ_SPEAKER] = "eval"
    enrolled = list(rng.permutation(speakers_of(sources, "librispeech-test-other")))
    split_of.update({speaker: ("dev", "eval")[index % 2] for index, speaker in enumerate(enrolled)})
    single = list(rng.permutation(speakers_of(sources, "librispeech-train-clean-100")))
    if len(single) <= dev_speakers + eval_speakers:
        raise DataError(
            f"{len(single)} train-clean-100 speakers cannot give {dev_speakers} dev + {eval_speakers} eval "
            "speakers and leave some for train"
        )
    held_out = ["dev"] * dev_speakers + ["eval"] * eval_speakers
    for index, speaker in enumerate(single):
        split_of[speaker] = held_out[index] if index < len(held_out) else "train"
    return split_of


def choose_enrolment(
    sources: list[SourceUtterance], split_of: dict[str, str], rng: np.random.Generator, count: int
) -> set[str]:
    """Relative paths of enrolment recordings: `count` per dev/eval speaker with enough others left to test.

    Recordings with a WaveFake copy are never enrolment, so each stays a bona fide trial beside its fake.
    """
    enrolment: set[str] = set()
    for speaker in sorted({s.speaker for s in sources}):
        if split_of[speaker] == "train":
            continue
        candidates = sorted(s.relative_path for s in sources if s.speaker == speaker and s.fake is None)
        if len(candidates) >= count + 2:
            enrolment.update(rng.choice(candidates, size=count, replace=False).tolist())
    return enrolment
