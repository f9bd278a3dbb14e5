"""The open corpus' own description: manifest.tsv (a row per file: source, engine, voice, version, text, licence)
and README.txt (settings, systems and counts per split, engines, conditioning, failures)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.open_spoof.collections import HELD_OUT_FAMILIES, HELD_OUT_SYSTEMS, CollectedFile, held_out
from asdf.corpus_builders.open_spoof.plan import EVAL, SPLITS, SYSTEM_BY_ID, SYSTEMS, Entry, attack_seed, tts_seed
from asdf.corpus_builders.open_spoof.texts import WRITTEN
from asdf.corpus_builders.tts import kokoro
from asdf.corpus_builders.tts.engines import find_engine

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
           "source", "blob", "segment", "text", "seed", "licence")
CONDITIONING = """\
Conditioning, identical for bona fide and spoof files: decoded and resampled to 16 kHz (polyphase filters);
long recordings cut at pauses into utterances of a random length between half and all of the duration cap (full
preset); every file capped at the cap, ending at the quietest 20 ms of its last third; spoofs made from the
conditioned bona fide material; then every file trimmed to its first and last active frame (within 40 dB of the
loudest), a random quarter low-passed at 6.5-7.8 kHz, padded with 0-0.25 s of silence at each end, DC removed,
active frames scaled to -26 dBFS (peaks at most 0.99), and white noise added at a random floor of -70 to -50 dBFS
(drawn per file from its seed, whatever its label: clean synthetic silence and a missing top band are otherwise
shortcuts); 16-bit FLAC.
"""


def licence_of(entry: Entry, collected: CollectedFile | None) -> str:
    """The licence of the audio or voice a file was made from."""
    if entry.engine:
        return f"{find_engine(entry.engine).licence}; {TEXT_LICENCE}"
    if collected:
        return f"{collected.licence} ({collected.repository})"
    return next((licence for prefix, licence in SOURCE_LICENCES if entry.source.startswith(prefix)), USER_LICENCE)


def _seed(entry: Entry, seed: int) -> str:
    """The seed a TTS or copy-synthesis file was made with; "" for a file taken as it is."""
    if entry.engine:
        return str(tts_seed(seed, entry.utt_id))
    return ",".join(map(str, attack_seed(seed, entry.utt_id))) if entry.attack else ""


def manifest_row(entry: Entry, settings: dict, collected: dict[str, CollectedFile]) -> tuple[str, ...]:
    """The manifest columns of one file; `collected` maps a collected file's origin to its collections row."""
    system, row = SYSTEM_BY_ID.get(entry.system), collected.get(entry.source) if entry.blob else None
    engine = entry.engine or (system.engines[0] if system else "")
    technology = system.technology if system else "bona fide recording"
    voice = entry.voice
    if row and row.is_spoof and not system:
        engine, voice, technology = row.system, row.speaker, f"{row.family} ({row.kind}) collected from a demo page"
    text = entry.text if entry.engine else ""
    versions = settings["versions"]
    role = "enrolment" if entry.enrolment else "trial"
    return (entry.utt_id, entry.split, entry.speaker, role, entry.key, entry.system, technology, engine, voice,
            versions.get(engine, ""), entry.source or "text", entry.blob, f"{entry.segment + 1}/{entry.segments}",
            text, _seed(entry, settings["seed"]), licence_of(entry, row))


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


def collected_table(entries: list[Entry], collected: list[CollectedFile], ids: dict[str, str]) -> str:
    """One line per collected system: id, family, system, files per split, repositories; the held-out ones marked."""
    withheld, fakes = Counter(row.system for row in held_out(collected)), Counter(row.system for row in collected)
    counts = Counter((e.system, e.split) for e in entries if e.blob and not e.enrolment)
    lines = [f"  {'id':<4} {'family':<23} {'system':<24} {'train':>5} {'dev':>5} {'eval':>5}  repositories\n"]
    for family, system in sorted({(row.family, row.system) for row in collected if row.is_spoof}):
        repositories = sorted({row.repository for row in collected if row.system == system})
        cells = " ".join(f"{counts.get((ids[system], split), 0):>5}" for split in SPLITS)
        mark = "" if not withheld[system] else " (held out)" if withheld[system] == fakes[system] else " (partly)"
        lines.append(f"  {ids[system]:<4} {family:<23} {system + mark:<24} {cells}  {', '.join(repositories)}\n")
    real = " ".join(f"{counts.get(('-', split), 0):>5}" for split in SPLITS)
    lines.append(f"  {'-':<4} {'-':<23} {'real recordings':<24} {real}  "
                 f"{len({row.repository for row in collected if not row.is_spoof})} repositories\n")
    return "".join(lines)


def kokoro_voices_section(entries: list[Entry]) -> str:
    """The Kokoro voices used, each with its blend of the shipped style tables and the splits it reads in."""
    splits: dict[str, set[str]] = {}
    for entry in entries:
        if entry.engine == "kokoro":
            splits.setdefault(entry.voice, set()).add(entry.split)
    if not splits:
        return ""
    lines = [f"Kokoro voices: convex blends of its style tables ({', '.join(kokoro.STYLE_TABLES)}); speed "
             f"{kokoro.SPEED_RANGE[0]}-{kokoro.SPEED_RANGE[1]} by seed:\n"]
    for voice in sorted(splits):
        weights = " ".join(f"{weight:.3f}" for weight in kokoro.blend_weights(voice))
        lines.append(f"  {voice}  {weights}  {'/'.join(s for s in SPLITS if s in splits[voice])}\n")
    return "".join(lines) + "\n"


def _collections_section(
    settings: dict, entries: list[Entry], collected: list[CollectedFile], missing: int, ids: dict[str, str]
) -> str:
    """The README's part on the collected demo-page speech."""
    if not settings.get("collections"):
        return "Collected demo-page speech: none (build with --collections DIR to add it).\n\n"
    return (f"Collected demo-page speech from {settings['collections']['folder']}: {len(collected)} files of the\n"
            f"manifest found and used, {missing} not found (collections_missing.tsv). Held out for eval: the\n"
            f"families {', '.join(HELD_OUT_FAMILIES)} and the systems {', '.join(HELD_OUT_SYSTEMS)}, also as the\n"
            "vocoder of a TTS (partly: such files of a system), with the real recordings they were made from; each\n"
            "other recording goes to train, dev or eval with its other fakes.\n"
            f"{collected_table(entries, collected, ids)}\n")


def write_manifest(
    root: Path, settings: dict, entries: list[Entry], failed: list[tuple[str, str]],
    collected: list[CollectedFile] = (), missing: list[tuple[CollectedFile, str]] = (),
    ids: dict[str, str] | None = None,
) -> None:
    """Write manifest.tsv, README.txt and (with collections) collections_missing.tsv in `root`."""
    by_origin = {row.origin: row for row in collected}
    rows = ["\t".join(COLUMNS)] + ["\t".join(manifest_row(e, settings, by_origin)) for e in entries]
    atomic_write_text(root / "manifest.tsv", "\n".join(rows) + "\n")
    if settings.get("collections"):
        lines = ["repository\tbranch\tpath\tblob\twhy"] + [
            f"{row.repository}\t{row.branch}\t{row.path}\t{row.blob}\t{why}" for row, why in missing]
        atomic_write_text(root / "collections_missing.tsv", "\n".join(lines) + "\n")
    failures = "".join(f"  {path}: {reason}\n" for path, reason in failed) or "  none\n"
    readme = (
        "asdf open spoofing corpus in the ASVspoof 2019 LA layout (asdf corpus build open-spoof)\n\n"
        f"preset: {settings['preset']}, seed: {settings['seed']}\nsource folder: {settings['source_dir']}\n"
        f"user folders of real speech: {', '.join(settings['real_dirs']) or 'none'}\n\n"
        f"Systems (id, splits, technology; engine versions). {_eval_only()} are never in train or dev:\n"
        f"{system_table(entries, settings['versions'])}\n"
        f"Files per split (enrolment files are ASV-only, not in the CM protocols):\n{count_table(entries)}\n"
        f"{kokoro_voices_section(entries)}"
        f"{_collections_section(settings, entries, list(collected), len(missing), ids or {})}"
        f"{CONDITIONING}\nTTS texts: {len(WRITTEN)} sentences written for asdf, LJSpeech transcripts and sentences\n"
        "combined from asdf's phrase lists; no sentence is read in two splits.\n\n"
        f"Files an engine failed to make (left out of the protocols):\n{failures}\n"
        "manifest.tsv: one row per file (source and git blob, engine, voice, engine version, text, seed, licence).\n"
        "shortcuts/shortcuts.md: how well duration, level, silence and bandwidth alone, or a trivial MFCC\n"
        "classifier, separate bona fide from spoof (high values mean a shortcut a detector could learn).\n"
    )
    atomic_write_text(root / "README.txt", readme)


def _eval_only() -> str:
    """The ids of the systems only in eval, as a range where they are consecutive (O10-O14)."""
    ids = [system.system for system in SYSTEMS if system.splits == EVAL]
    return f"{ids[0]}-{ids[-1]}" if len(ids) > 1 else ids[0]
