"""The demo corpus' own description: README.txt (seed, sources, attacks, counts, ASV) and utterances.tsv."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.demo_la.plan import SPLITS, DemoAttack, Entry
from asdf.corpus_builders.kit import asv as demo_asv

SOURCES = """\
Bona fide sources (all resampled to 16 kHz with polyphase anti-aliasing filters):
  LibriSpeech train-clean-100 (1 utterance x 251 speakers) and test-other (10 x 10), CC BY 4.0
  CMU ARCTIC (speakers aew, axb, slt), CMU ARCTIC licence
  LJSpeech (speech/ljspeech and the real half of vocoded/wavefake-ljspeech), public domain
Spoof sources: the attacks below applied to the bona fide material itself, and the WaveFake
(Frank & Schonherr 2021, CC BY-SA 4.0) neural-vocoder copies of the LJSpeech utterances.
Conditioning, identical for bona fide and spoof: leading/trailing silence (frames 40 dB below the
loudest) trimmed to a 0.2 s margin, long files cut at the quietest 20 ms of their last third to stay
under the duration cap, spoofs made from that trimmed material, then every file's DC offset removed
and the file scaled so its active frames sit at -26 dBFS (peaks limited to 0.99), stored as 16-bit FLAC.
"""


def count_table(entries: list[Entry], attacks: tuple[DemoAttack, ...]) -> str:
    """Per split: speakers, bona fide trials, enrolment files and files per attack, as a text table."""
    systems = [attack.system for attack in attacks]
    header = f"{'split':<6} {'speakers':>8} {'bonafide':>8} {'enrol':>6} " + " ".join(f"{s:>4}" for s in systems)
    lines = [header]
    for split in SPLITS:
        in_split = [entry for entry in entries if entry.split == split]
        per_system = Counter(entry.system for entry in in_split if not entry.enrolment)
        enrolment = sum(entry.enrolment for entry in in_split)
        speakers = len({entry.speaker for entry in in_split})
        counts = " ".join(f"{per_system.get(system, 0):>4}" for system in systems)
        lines.append(f"{split:<6} {speakers:>8} {per_system.get('-', 0):>8} {enrolment:>6} {counts}")
    return "\n".join(lines) + "\n"


def attack_table(attacks: tuple[DemoAttack, ...]) -> str:
    """One line per attack: system id, splits, implementation and description."""
    return "".join(
        f"  {a.system}  {'/'.join(a.splits):<15} {a.name:<15} {a.description}\n" for a in attacks
    )


def write_manifest(root: Path, settings: dict, entries: list[Entry], attacks: tuple[DemoAttack, ...]) -> None:
    """Write README.txt and utterances.tsv (every file with its split, speaker, system and source) in `root`."""
    plan = ", ".join(f"{name}={value}" for name, value in settings["plan"].items())
    readme = (
        "asdf demo corpus in the ASVspoof 2019 LA layout (made by asdf.corpus_builders.demo_la.prepare_demo_la)\n\n"
        f"seed: {settings['seed']}\nsource folder: {settings['source_dir']}\nplan: {plan}\n\n{SOURCES}\n"
        f"Attacks (system id, splits, asdf.corpus_builders.spoofing name, what it does):\n{attack_table(attacks)}\n"
        f"Files per split (enrolment files are ASV-only, not in the CM protocols):\n{count_table(entries, attacks)}\n"
        f"ASV scores ({demo_asv.__name__}):\n{demo_asv.__doc__.split(chr(10), 2)[2]}\n"
        "Speakers: LA_nnnn numbers the source speakers (librispeech-<id>, arctic-<name>, ljspeech-LJ) in sorted\n"
        "order; utterances.tsv gives every file's source recording.\n"
    )
    atomic_write_text(root / "README.txt", readme)
    rows = ["utt_id\tsplit\tspeaker\tsystem\tkey\trole\tsource"]
    for e in entries:
        role = "enrolment" if e.enrolment else "trial"
        rows.append(f"{e.utt_id}\t{e.split}\t{e.speaker}\t{e.system}\t{e.key}\t{role}\t{e.source}")
    atomic_write_text(root / "utterances.tsv", "\n".join(rows) + "\n")
