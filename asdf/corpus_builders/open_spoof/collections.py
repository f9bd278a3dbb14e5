"""Speech collected from public neural-speech demo pages: the manifest of every file used (repository, branch,
path, git blob id, label, system, family, ...), finding the user's copies of those repositories, reading each file
by its blob id and checking its content against that id.

The manifest (`collections.tsv` beside this module) holds no audio: `asdf corpus get-collections DIR` clones the
listed repositories, and `asdf corpus build open-spoof --collections DIR` reads them. A repository can be a clone
(`DIR/owner/name`), a bare clone, or a mirror (`DIR/owner+name`, optionally with the git directory in `repo/`).
"""

from __future__ import annotations

import csv
import hashlib
import importlib.resources
import logging
import shutil
import subprocess
import zlib
from dataclasses import dataclass, fields
from pathlib import Path

import numpy as np

from asdf.base.errors import DataError

logger = logging.getLogger(__name__)

MANIFEST = "collections.tsv"
FAMILIES = ("gan-vocoder", "flow-vocoder", "diffusion-vocoder", "autoregressive-vocoder", "neural-codec", "e2e-tts",
            "two-stage-tts", "diffusion-tts", "codec-lm-tts", "voice-conversion", "signal-processing")
KINDS = ("copy-synthesis", "tts", "vc", "recording")
# Held out for eval, never in train or dev: one whole family and whole systems of six others, also where they
# are the vocoder of a TTS (their real recordings on the same pages go to eval with them). Not StyleTTS 2 or
# iSTFTNet: Kokoro, which trains, is built on them; not UnivNet: Tortoise's vocoder, the largest collected system.
HELD_OUT_FAMILIES = ("diffusion-vocoder",)
HELD_OUT_SYSTEMS = ("hierspeechpp", "hierspeechpp-vc", "mobilespeech", "parallel-wavegan", "parallel-wavegan-cgan-d",
                    "parallel-wavegan-vuv-d", "waveflow", "matcha-tts", "lvc-vc", "lvc-vc-xl")
SPLIT_SHARES = (("train", 0.75), ("dev", 0.15), ("eval", 0.10))  # of the other recordings and their fakes
GIT_TIMEOUT_S = 120
GITHUB = "https://github.com"


@dataclass(frozen=True)
class CollectedFile:
    """One manifest row: where the file is, what it is (label, system, family, kind) and where it came from."""

    repository: str
    branch: str
    path: str
    blob: str
    label: str
    system: str
    family: str
    kind: str
    vocoder: str  # the vocoder of a TTS or VC system, where the page says; else -
    language: str
    dataset: str
    speaker: str
    source_path: str
    licence: str
    note: str
    duration_s: float

    @property
    def is_spoof(self) -> bool:
        """True for a fake."""
        return self.label == "spoof"

    @property
    def origin(self) -> str:
        """repository@branch:path, as the corpus manifest names it."""
        return f"{self.repository}@{self.branch}:{self.path}"

    @property
    def recording(self) -> str:
        """The real recording a file belongs with: its paired source for a fake, itself otherwise."""
        own = self.source_path if self.is_spoof and self.source_path != "-" else self.path
        return f"{self.repository}:{own}"


def held_out(rows: list[CollectedFile]) -> list[CollectedFile]:
    """The fakes kept for eval: of a held-out system or family, or with a held-out vocoder."""
    family_of = {row.system: row.family for row in rows if row.is_spoof}
    withheld = set(HELD_OUT_SYSTEMS) | {system for system, family in family_of.items() if family in HELD_OUT_FAMILIES}
    return [row for row in rows if row.is_spoof and (row.system in withheld or row.vocoder in withheld)]


COLUMNS = tuple(field.name for field in fields(CollectedFile))


def _row(values: dict[str, str], where: str) -> CollectedFile:
    """One checked row; a DataError naming the place and the value when a field is not as documented."""
    if None in values.values() or None in values:
        raise DataError(f"{where}: expected {len(COLUMNS)} tab-separated columns ({', '.join(COLUMNS)})")
    try:
        duration = float(values["duration_s"])
    except ValueError:
        raise DataError(f"{where}: duration_s {values['duration_s']!r}: expected a number of seconds") from None
    row = CollectedFile(**{name: values[name] for name in COLUMNS[:-1]}, duration_s=duration)
    checks = ((row.repository.count("/") == 1 and "" not in row.repository.split("/"), "repository", "owner/name"),
              (row.label in ("bonafide", "spoof"), "label", "bonafide or spoof"),
              (len(row.blob) == 40 and all(c in "0123456789abcdef" for c in row.blob), "blob", "40 hex digits"),
              (row.kind in KINDS, "kind", " / ".join(KINDS)),
              ((row.family in FAMILIES) == row.is_spoof and (row.system != "-") == row.is_spoof, "family and system",
               "a family of " + " / ".join(FAMILIES) + " and a system for a spoof, - for bona fide"),
              (row.duration_s > 0, "duration_s", "a positive number of seconds"))
    for ok, name, expected in checks:
        if not ok:
            raise DataError(f"{where}: {name} {getattr(row, name.split()[0])!r}: expected {expected}")
    return row


def read_manifest(path: Path | None = None) -> list[CollectedFile]:
    """The rows of a collections manifest (the shipped one by default), checked."""
    resource = path or importlib.resources.files("asdf.corpus_builders.open_spoof") / MANIFEST
    if not resource.is_file():
        raise DataError(f"collections manifest {resource}: no such file (expected a tab-separated file with the "
                        f"columns {', '.join(COLUMNS)})")
    with resource.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
        if tuple(reader.fieldnames or ()) != COLUMNS:
            raise DataError(f"{resource}: columns {reader.fieldnames} differ from the expected {list(COLUMNS)}")
        rows = [_row(values, f"{resource} line {number}") for number, values in enumerate(reader, start=2)]
    families: dict[str, set[str]] = {}
    for row in rows:
        families.setdefault(row.system, set()).add(row.family)
    for system, names in families.items():
        if len(names) > 1:
            raise DataError(f"{resource}: system {system} is in several families ({', '.join(sorted(names))}); "
                            "give each its own system name")
    return rows


def system_ids(rows: list[CollectedFile]) -> dict[str, str]:
    """Collected system -> protocol id (C01, C02, ...), numbered in (family, system) order."""
    systems = sorted({(row.family, row.system) for row in rows if row.is_spoof})
    return {system: f"C{number:02d}" for number, (_, system) in enumerate(systems, start=1)}


def repository_folder(root: Path, repository: str) -> Path | None:
    """The git directory or clone of `repository` under `root`, or None where there is none."""
    owner, name = repository.split("/")
    for candidate in (root / owner / name, root / f"{owner}+{name}" / "repo", root / f"{owner}+{name}", root / name):
        if candidate.is_dir() and _git(candidate, "rev-parse", "--git-dir").returncode == 0:
            return candidate
    return None


def _git(
    folder: Path, *arguments: str, stdin: bytes | None = None, timeout: float | None = GIT_TIMEOUT_S
) -> subprocess.CompletedProcess:
    """git run in `folder`, its output captured; a DataError when git is missing or runs past `timeout`."""
    try:
        return subprocess.run(["git", "-C", str(folder), *arguments], input=stdin, capture_output=True,
                              timeout=timeout)
    except FileNotFoundError:
        raise DataError("git is not installed; it is needed for the collections (apt-get install git)") from None
    except subprocess.TimeoutExpired:
        raise DataError(f"{folder}: git {' '.join(arguments[:2])} gave no answer in {timeout} s") from None


def present_blobs(folder: Path, blobs: list[str]) -> set[str]:
    """The blob ids among `blobs` that the repository at `folder` holds."""
    result = _git(folder, "cat-file", "--batch-check", stdin="".join(f"{blob}\n" for blob in blobs).encode())
    answers = (line.split() for line in result.stdout.decode().splitlines())  # "<id> blob <size>" or "<id> missing"
    return {parts[0] for parts in answers if len(parts) == 3 and parts[1] == "blob"}


def find_collected(root: Path, rows: list[CollectedFile]) -> tuple[list[tuple[CollectedFile, Path]], list[tuple]]:
    """(row, repository folder) of each manifest file present under `root`; (row, why) of each one missing."""
    root = Path(root)
    if not root.is_dir():
        raise DataError(f"--collections {root}: no such folder (expected the folder asdf corpus get-collections "
                        "wrote: one git clone per repository of the manifest)")
    found, missing = [], []
    by_repository: dict[str, list[CollectedFile]] = {}
    for row in rows:
        by_repository.setdefault(row.repository, []).append(row)
    for repository, in_repository in sorted(by_repository.items()):
        folder = repository_folder(root, repository)
        if folder is None:
            logger.warning("open_spoof: collection %s not found under %s (%d files left out)", repository, root,
                           len(in_repository))
            missing += [(row, "repository not found") for row in in_repository]
            continue
        held = present_blobs(folder, [row.blob for row in in_repository])
        found += [(row, folder) for row in in_repository if row.blob in held]
        absent = [row for row in in_repository if row.blob not in held]
        missing += [(row, f"blob not in {folder}") for row in absent]
        if absent:
            logger.warning("open_spoof: %s lacks %d of its %d manifest files (another version of the repository?)",
                           repository, len(absent), len(in_repository))
    return found, missing


def blob_id(content: bytes) -> str:
    """The git blob id of `content` (SHA-1 of the blob header and the bytes)."""
    return hashlib.sha1(b"blob %d\0" % len(content) + content).hexdigest()


def read_blob(folder: Path, blob: str) -> bytes:
    """The content of blob `blob` in the repository at `folder`, checked against its id; a DataError otherwise."""
    result = _git(folder, "cat-file", "blob", blob)
    if result.returncode != 0:
        raise DataError(f"{folder}: blob {blob} cannot be read: {result.stderr.decode(errors='replace').strip()}")
    if blob_id(result.stdout) != blob:
        raise DataError(f"{folder}: the content of blob {blob} does not match its id (a damaged repository?)")
    return result.stdout


def collected_splits(rows: list[CollectedFile], seed: int) -> dict[str, str]:
    """origin -> split: each recording with its fakes at random by SPLIT_SHARES, then every held-out fake, and
    the real recording it was made from, in eval (the recording's other fakes stay where they were drawn: most
    copy-synthesis pages put every vocoder on the same recordings, and moving them all would leave training
    almost without GAN vocoders)."""
    recordings = sorted({row.recording for row in rows})
    order = np.random.default_rng([seed, zlib.crc32(b"collections")]).permutation(len(recordings))
    split_of_recording, start = {}, 0
    for split, share in SPLIT_SHARES:
        count = len(recordings) - start if split == SPLIT_SHARES[-1][0] else round(share * len(recordings))
        split_of_recording.update({recordings[position]: split for position in order[start:start + count]})
        start += count
    withheld = held_out(rows)
    evaluated = {row.origin for row in withheld} | {row.recording for row in withheld}
    return {row.origin: "eval" if row.origin in evaluated or (not row.is_spoof and row.recording in evaluated)
            else split_of_recording[row.recording] for row in rows}


def speaker_key(row: CollectedFile) -> str:
    """Who speaks in a file, as far as the manifest says: dataset and speaker, else the page and system."""
    if row.speaker != "-":
        return f"collected-{row.dataset}-{row.speaker}"
    return f"collected-{row.repository}-{row.system if row.is_spoof else 'real'}"


def repository_branches(rows: list[CollectedFile]) -> dict[str, list[str]]:
    """repository -> the branches the manifest reads from it."""
    branches: dict[str, set[str]] = {}
    for row in rows:
        branches.setdefault(row.repository, set()).add(row.branch)
    return {repository: sorted(names) for repository, names in sorted(branches.items())}


def get_collections(root: Path, rows: list[CollectedFile], url_base: str = GITHUB) -> list[str]:
    """Fetch the branches the manifest reads of each repository into a bare repository `root/owner/name` (once:
    an existing one is fetched again, which adds what is new); returns one line per repository that failed."""
    failures = []
    for repository, branches in repository_branches(rows).items():
        folder = Path(root) / repository
        created = not (folder / "HEAD").is_file()
        if created:
            folder.mkdir(parents=True, exist_ok=True)
            _git(folder, "init", "--bare", "--quiet")
        refspecs = [f"+refs/heads/{branch}:refs/heads/{branch}" for branch in branches]
        logger.info("get-collections: %s (%s) into %s", repository, ", ".join(branches), folder)
        result = _git(folder, "fetch", "--no-tags", "--quiet", f"{url_base.rstrip('/')}/{repository}", *refspecs,
                      timeout=None)  # a large repository takes minutes; git gives up on a dead network itself
        if result.returncode != 0:
            why = " ".join(result.stderr.decode(errors="replace").split())[-300:]
            failures.append(f"{repository}: git fetch failed (exit {result.returncode}): {why}")
            logger.error("get-collections: %s", failures[-1])
            if created:  # an empty repository would pass for one that lacks every file
                shutil.rmtree(folder)
    return failures
