"""The demo corpus builder on a tiny synthetic source folder (and its plan on the real shared data)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import soundfile

from asdf.base.errors import DataError
from asdf.corpus_builders.demo_la import COMPLETE_MARKER, prepare_demo_la
from asdf.corpus_builders.demo_la.plan import DemoPlan, plan_corpus

TINY_PLAN = DemoPlan(max_seconds=1.0, dev_speakers=1, eval_speakers=1, enrolment_utterances=2)
CM_FILES = {"train": "train.trn", "dev": "dev.trl", "eval": "eval.trl"}


def voice(rng: np.random.Generator, f0: float, rate: int, seconds: float = 1.3) -> np.ndarray:
    """Half a second of near-silence, then a harmonic tone with a speaker-specific pitch, as 'speech'."""
    time = np.arange(int(seconds * rate)) / rate
    phase = 2 * np.pi * np.cumsum(f0 * (1 + 0.05 * np.sin(2 * np.pi * 2 * time))) / rate
    tone = sum(np.cos(k * phase) / k for k in range(1, 20)) * (time > 0.3)
    return (0.1 * tone + 0.002 * rng.standard_normal(len(time))).astype(np.float32)


def write_sources(root: Path) -> Path:
    """A miniature of the shared data folder: every source kind, a few files each."""
    rng = np.random.default_rng(5)
    files = {f"speech/librispeech/train-clean-100/{100 + n}-1-0000.flac": (16000, 90 + 7 * n) for n in range(6)}
    for speaker, f0 in ((201, 110), (202, 210)):
        folder = f"speech/librispeech/test-other/{speaker}"
        files.update({f"{folder}/{speaker}-1-000{n}.flac": (16000, f0) for n in range(5)})
    files["speech/arctic/cmu_arctic_us_aew_a0001.wav"] = (16000, 100)
    files["speech/arctic/arctic_a0007.wav"] = (16000, 190)
    files.update({f"speech/ljspeech/LJ001-000{n}.wav": (22050, 180) for n in range(5)})
    for stem in ("LJ002-0001", "LJ002-0002"):
        files[f"vocoded/wavefake-ljspeech/real/{stem}.wav"] = (22050, 180)
        files[f"vocoded/wavefake-ljspeech/fake/{stem}_gen.wav"] = (22050, 185)
    for relative, (rate, f0) in files.items():
        (root / relative).parent.mkdir(parents=True, exist_ok=True)
        soundfile.write(str(root / relative), voice(rng, f0, rate), rate)
    return root


@pytest.fixture(scope="module")
def sources(tmp_path_factory) -> Path:
    return write_sources(tmp_path_factory.mktemp("sources"))


@pytest.fixture(scope="module")
def corpus(sources, tmp_path_factory) -> Path:
    return prepare_demo_la(sources, tmp_path_factory.mktemp("built") / "demo", seed=3, plan=TINY_PLAN, workers=1)


def cm_rows(corpus: Path, split: str) -> list[list[str]]:
    protocol = corpus / "LA" / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{CM_FILES[split]}.txt"
    return [line.split(" ") for line in protocol.read_text().splitlines()]


def test_layout_and_audio_format(corpus):
    for split, letter in (("train", "T"), ("dev", "D"), ("eval", "E")):
        files = sorted((corpus / "LA" / f"ASVspoof2019_LA_{split}" / "flac").iterdir())
        assert files and all(re.fullmatch(rf"LA_{letter}_\d{{7}}\.flac", path.name) for path in files)
        info = soundfile.info(str(files[0]))
        assert (info.samplerate, info.channels, info.subtype, info.format) == (16000, 1, "PCM_16", "FLAC")
    assert (corpus / COMPLETE_MARKER).is_file() and (corpus / "README.txt").is_file()


def test_cm_protocols_have_the_official_five_columns(corpus):
    for split in CM_FILES:
        rows = cm_rows(corpus, split)
        assert rows and all(len(row) == 5 and row[2] == "-" for row in rows)
        assert all((row[3] == "-") == (row[4] == "bonafide") and row[4] in ("bonafide", "spoof") for row in rows)
        assert all(re.fullmatch(r"LA_\d{4}", row[0]) for row in rows)
        flac = corpus / "LA" / f"ASVspoof2019_LA_{split}" / "flac"
        assert all((flac / f"{row[1]}.flac").is_file() for row in rows)


def test_splits_are_speaker_disjoint_and_eval_has_unseen_attacks(corpus):
    speakers = {split: {row[0] for row in cm_rows(corpus, split)} for split in CM_FILES}
    assert not speakers["train"] & speakers["dev"] and not speakers["train"] & speakers["eval"]
    assert not speakers["dev"] & speakers["eval"]
    systems = {split: {row[3] for row in cm_rows(corpus, split)} - {"-"} for split in CM_FILES}
    assert systems["dev"] <= systems["train"]
    assert len(systems["eval"] - systems["train"]) >= 2


def test_asv_scores_are_valid(corpus):
    la = corpus / "LA"
    for split in ("dev", "eval"):
        scores = (la / "ASVspoof2019_LA_asv_scores" / f"ASVspoof2019.LA.asv.{split}.gi.trl.scores.txt").read_text()
        rows = [line.split(" ") for line in scores.splitlines()]
        trials = (la / "ASVspoof2019_LA_asv_protocols" / f"ASVspoof2019.LA.asv.{split}.gi.trl.txt").read_text()
        assert len(rows) == len(trials.splitlines())
        assert {row[1] for row in rows} == {"target", "nontarget", "spoof"}
        assert all(len(row) == 3 and np.isfinite(float(row[2])) for row in rows)
        assert all((row[0] == "bonafide") == (row[1] != "spoof") for row in rows)


def test_enrolment_files_are_not_cm_trials(corpus):
    cm_utts = {row[1] for row in cm_rows(corpus, "eval")}
    enrolment = (corpus / "LA" / "ASVspoof2019_LA_asv_protocols" / "ASVspoof2019.LA.asv.eval.gi.trn.txt").read_text()
    enrol_utts = {utt for line in enrolment.splitlines() for utt in line.split(" ")[1].split(",")}
    assert enrol_utts and not enrol_utts & cm_utts


def test_second_build_is_byte_identical_and_rerun_is_instant(sources, corpus, tmp_path):
    again = prepare_demo_la(sources, tmp_path / "demo", seed=3, plan=TINY_PLAN, workers=2)
    first = {p.relative_to(corpus): p.read_bytes() for p in corpus.rglob("*") if p.is_file()}
    second = {p.relative_to(again): p.read_bytes() for p in again.rglob("*") if p.is_file()}
    assert first == second
    flac = next((corpus / "LA" / "ASVspoof2019_LA_train" / "flac").iterdir())
    modified = flac.stat().st_mtime_ns
    assert prepare_demo_la(sources, corpus, seed=3, plan=TINY_PLAN) == corpus
    assert flac.stat().st_mtime_ns == modified


def test_other_settings_and_foreign_folders_are_refused(sources, corpus, tmp_path):
    with pytest.raises(DataError, match="other settings"):
        prepare_demo_la(sources, corpus, seed=4, plan=TINY_PLAN)
    (tmp_path / "LA").mkdir()
    with pytest.raises(DataError, match="refusing"):
        prepare_demo_la(sources, tmp_path, seed=3, plan=TINY_PLAN)


def test_plan_on_the_shared_data_has_the_intended_size(shared_data):
    entries = plan_corpus(shared_data.resolve(), seed=0, plan=DemoPlan())
    trials = {split: [e for e in entries if e.split == split and not e.enrolment] for split in CM_FILES}
    assert 450 <= len(trials["train"]) <= 650 and 150 <= len(trials["dev"]) <= 250
    assert 250 <= len(trials["eval"]) <= 420
    assert {e.system for e in trials["eval"]} >= {"D04", "D05", "D06"}
