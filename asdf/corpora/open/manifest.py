"""The open corpus' own description: manifest.tsv (a row per file: source, engine, voice, version, text, licence)
and README.txt (settings, systems and counts per split, engines, conditioning, failures)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from asdf.corpora.open.engines import find_engine
from asdf.corpora.open.plan import EVAL, SPLITS, SYSTEM_BY_ID, SYSTEMS, Entry
from asdf.corpora.open.texts import WRITTEN
from asdf.fileio import atomic_write_text

# (path prefix under the source folder, licence of that audio)
SOURCE_LICENCES = (
    ("speech/librispeech/", "CC BY 4.0 (LibriSpeech, Panayotov et al. 2015)"),
    ("speech/ljspeech/", "public domain (LJSpeech)"),
    ("speech/arctic/", "CMU ARCTIC licence (free use)"),
    ("vocoded/wavefake-ljspeech/real/", "public domain (LJSpeech)"),
    ("vocoded/wavefake-ljspeech/fake/", "CC BY-SA 4.0 (WaveFake, Frank & Schonherr 2021)"),
    ("asvspoof2019-la-samples/", "ODC-By 1.0 (ASVspoof 2019, Wang et al. 2020)"),
)
USER_LICENCE = "the user's own recording"
TEXT_LICENCE = "text: CC0 (asdf's sentences) or public domain (LJSpeech transcripts)"
COLUMNS = ("utt_id", "split", "speaker", "role", "key", "system", "technology", "engine", "voice", "engine_version",
           "source", "segment", "text", "licence")
CONDITIONING = """\
Conditioning, identical for bona fide and spoof files: decoded and resampled to 16 kHz (polyphase filters);
leading and trailing silence (frames 40 dB below the loudest) trimmed to a 0.2 s margin; long recordings cut
at pauses into utterances of a random length between half and all of the duration cap (full preset); every
file capped at the cap, ending at the quietest 20 ms of its last third; spoofs made from the conditioned
bona fide material; DC offset removed; active frames scaled to -26 dBFS (peaks at most 0.99); 16-bit FLAC.
"""


def licence_of(entry: Entry) -> str:
    """The licence of the audio or voice a file was made from."""
    if entry.engine:
        return f"{find_engine(entry.engine).licence}; {TEXT_LICENCE}"
    return next((licence for prefix, licence in SOURCE_LICENCES if entry.source.startswith(prefix)), USER_LICENCE)


def manifest_row(entry: Entry, versions: dict[str, str]) -> tuple[str, ...]:
    """The manifest columns of one file."""
    system = SYSTEM_BY_ID.get(entry.system)
    engine = entry.engine or (system.engines[0] if system else "")
    technology = system.technology if system else "bona fide recording"
    text = entry.text if entry.engine else ""
    source = entry.source or "text"
    role = "enrolment" if entry.enrolment else "trial"
    return (entry.utt_id, entry.split, entry.speaker, role, entry.key, entry.system, technology, engine, entry.voice,
            versions.get(engine, ""), source, f"{entry.segment + 1}/{entry.segments}", text, licence_of(entry))


def count_table(entries: list[Entry]) -> str:
    """Files per split: bona fide trials, enrolment files and each system, as a text table."""
    systems = [s.system for s in SYSTEMS if any(e.system == s.system for e in entries)]
    lines = [f"{'split':<6} {'bonafide':>8} {'enrol':>6} " + " ".join(f"{s:>4}" for s in systems)]
    for split in SPLITS:
        counts = Counter(e.system for e in entries if e.split == split and not e.enrolment)
        enrolment = sum(e.enrolment for e in entries if e.split == split)
        cells = " ".join(f"{counts.get(s, 0):>4}" for s in systems)
        lines.append(f"{split:<6} {counts.get('-', 0):>8} {enrolment:>6} {cells}")
    return "\n".join(lines) + "\n"


def system_table(entries: list[Entry], versions: dict[str, str]) -> str:
    """One line per system: id, splits, family, engines with versions, technology; missing ones marked."""
    lines = []
    for system in SYSTEMS:
        used = any(e.system == system.system for e in entries)
        engines = ", ".join(f"{name} {versions[name]}" if name in versions else f"{name} (missing)"
                            for name in system.engines)
        mark = "" if used else "   NOT BUILT: engine missing"
        lines.append(f"  {system.system}  {'/'.join(system.splits):<14} {system.technology}; {engines}{mark}\n")
    return "".join(lines)


def write_manifest(root: Path, settings: dict, entries: list[Entry], failed: list[tuple[str, str]]) -> None:
    """Write manifest.tsv and README.txt in `root`."""
    rows = ["\t".join(COLUMNS)] + ["\t".join(manifest_row(e, settings["versions"])) for e in entries]
    atomic_write_text(root / "manifest.tsv", "\n".join(rows) + "\n")
    failures = "".join(f"  {path}: {reason}\n" for path, reason in failed) or "  none\n"
    readme = (
        "asdf open spoofing corpus in the ASVspoof 2019 LA layout (asdf corpus build open-spoof)\n\n"
        f"preset: {settings['preset']}, seed: {settings['seed']}\nsource folder: {settings['source_dir']}\n"
        f"user folders of real speech: {', '.join(settings['real_dirs']) or 'none'}\n\n"
        f"Systems (id, splits, technology; engine versions). {_eval_only()} are never in train or dev:\n"
        f"{system_table(entries, settings['versions'])}\n"
        f"Files per split (enrolment files are ASV-only, not in the CM protocols):\n{count_table(entries)}\n"
        f"{CONDITIONING}\nTTS texts: {len(WRITTEN)} sentences written for asdf, LJSpeech transcripts and sentences\n"
        "combined from asdf's phrase lists; no sentence is read in two splits.\n\n"
        f"Files an engine failed to make (left out of the protocols):\n{failures}\n"
        "manifest.tsv: one row per file (source, engine, voice, engine version, text, licence).\n"
        "shortcuts/shortcuts.md: how well duration, level, silence and bandwidth alone, or a trivial MFCC\n"
        "classifier, separate bona fide from spoof (high values mean a shortcut a detector could learn).\n"
    )
    atomic_write_text(root / "README.txt", readme)


def _eval_only() -> str:
    """The ids of the systems only in eval, as a range where they are consecutive (O10-O14)."""
    ids = [system.system for system in SYSTEMS if system.splits == EVAL]
    return f"{ids[0]}-{ids[-1]}" if len(ids) > 1 else ids[0]
