"""The open spoofing corpus: its plan (protocol rules, determinism, sizes) and a real `small` build of the shared data."""

from __future__ import annotations

import json
import os
import shutil
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import soundfile

from asdf.base.errors import DataError
from asdf.corpora.asvspoof2019 import ASVspoof2019LA
from asdf.corpus_builders.open_spoof import COMPLETE_MARKER, build_open_spoof
from asdf.corpus_builders.open_spoof.build import BUILDING_MARKER
from asdf.corpus_builders.open_spoof.entries import Available, plan_open_corpus
from asdf.corpus_builders.open_spoof.inventory import survey
from asdf.corpus_builders.open_spoof.plan import EVAL, PRESETS, SYSTEM_BY_ID, SYSTEMS
from asdf.corpus_builders.tts.engines import ENGINES
from tests.corpora.miniatures import CM_FILES, cm_rows, manifest_rows

EVERYTHING = Available(frozenset(s.engines[0] for s in SYSTEMS if s.family == "copy-synthesis"),
                       {engine.name: engine.voices for engine in ENGINES})


@pytest.fixture(scope="module")
def full_plan(shared_data):
    return plan_open_corpus(shared_data, (), 0, PRESETS["full"], EVERYTHING)


def test_full_plan_meets_the_size_and_protocol_rules(full_plan):
    systems_in = {split: {e.system for e in full_plan if e.split == split} - {"-"} for split in CM_FILES}
    eval_only = systems_in["eval"] - systems_in["train"] - systems_in["dev"]
    assert len(full_plan) >= 6000
    assert len(systems_in["train"] | systems_in["dev"] | systems_in["eval"]) >= 8
    assert {"O10", "O11", "O12", "O13"} <= eval_only  # O14 (RHVoice) too when it is installed
    assert all(SYSTEM_BY_ID[s].splits == EVAL for s in eval_only)
    # the neural TTS trains, and is in eval as a known system (ood-dev holds the unseen neural ones)
    assert "O09" in systems_in["train"] & systems_in["eval"] and SYSTEM_BY_ID["O09"].neural


def test_kokoro_trains_and_its_eval_voices_are_never_heard_in_training(full_plan):
    voices = {split: {e.voice for e in full_plan if e.engine == "kokoro" and e.split == split} for split in CM_FILES}
    assert voices["train"] and voices["dev"] and voices["eval"]
    assert not voices["eval"] & (voices["train"] | voices["dev"])
    assert len(voices["eval"]) == SYSTEM_BY_ID["O15"].eval_voices


def test_speakers_and_texts_never_cross_splits(full_plan):
    splits_of_speaker: dict[str, set[str]] = {}
    for entry in full_plan:
        if not entry.engine and "ljspeech" not in entry.source:
            splits_of_speaker.setdefault(entry.speaker, set()).add(entry.split)
    assert all(len(splits) == 1 for splits in splits_of_speaker.values())
    texts = {split: {e.text for e in full_plan if e.engine and e.split == split} for split in CM_FILES}
    assert not (texts["train"] & texts["dev"]) and not (texts["train"] & texts["eval"]) and not (texts["dev"] & texts["eval"])


def test_the_plan_is_decided_by_the_seed(shared_data, full_plan):
    again = plan_open_corpus(shared_data, (), 0, PRESETS["full"], EVERYTHING)
    other = plan_open_corpus(shared_data, (), 1, PRESETS["full"], EVERYTHING)
    assert again == full_plan
    assert [e.utt_id for e in other] != [e.utt_id for e in full_plan]


def test_a_missing_engine_drops_its_system_with_one_line(shared_data, monkeypatch, caplog):
    monkeypatch.setattr("asdf.corpus_builders.open_spoof.inventory.engine_version",
                        lambda engine: None if engine.name == "piper" else "1.0")
    available, versions = survey()
    plan = plan_open_corpus(shared_data, (), 0, PRESETS["small"], available)
    assert "piper" not in versions and not any(e.system == "O09" for e in plan)
    lines = [r.getMessage() for r in caplog.records if "piper" in r.getMessage()]
    assert len(lines) == 1 and "pip install" in lines[0]


def test_user_folders_of_real_speech_join_the_bona_fide(shared_data, tmp_path):
    for speaker in ("alice", "bob", "carol"):
        for n in range(2):
            path = tmp_path / "mine" / speaker / f"{n}.wav"
            path.parent.mkdir(parents=True, exist_ok=True)
            soundfile.write(path, np.zeros(16000, dtype=np.float32), 16000)
    plan = plan_open_corpus(shared_data, (tmp_path / "mine",), 0, PRESETS["full"], EVERYTHING)
    mine = [e for e in plan if e.source.startswith(str(tmp_path)) and e.system == "-"]
    assert len(mine) == 6


@pytest.fixture(scope="module")
def small(shared_data, tmp_path_factory) -> Path:
    return build_open_spoof(tmp_path_factory.mktemp("open") / "open_spoof", shared_data, "small", seed=0, workers=2)


def test_small_build_is_an_asvspoof_2019_la_corpus_the_readers_load(small):
    reader = ASVspoof2019LA(small, "paths.open_spoof")
    for split in CM_FILES:
        utterances = reader.utterances(split)
        assert len(utterances) == len(cm_rows(small, split))
        assert reader.asv_scores(split) is None if split == "train" else len(reader.asv_scores(split)) > 0
        keys = Counter(row[4] for row in cm_rows(small, split))
        assert keys["bonafide"] > 0 and keys["spoof"] > 0, split
    for split in ("dev", "eval"):
        scores = small / "LA" / "ASVspoof2019_LA_asv_scores" / f"ASVspoof2019.LA.asv.{split}.gi.trl.scores.txt"
        assert {line.split()[1] for line in scores.read_text().splitlines()} == {"target", "nontarget", "spoof"}


def test_every_file_decodes_and_the_manifest_accounts_for_every_file(small):
    rows = manifest_rows(small)
    on_disk = {p.stem: p for p in (small / "LA").glob("ASVspoof2019_LA_*/flac/*.flac")}
    assert {row["utt_id"] for row in rows} == set(on_disk)
    in_protocols = {row[1] for split in CM_FILES for row in cm_rows(small, split)}
    assert in_protocols == {row["utt_id"] for row in rows if row["role"] == "trial"}
    for row in rows:
        info = soundfile.info(str(on_disk[row["utt_id"]]))
        assert info.samplerate == 16000 and info.channels == 1 and 0.3 < info.duration <= 4.05, row["utt_id"]
        assert row["licence"] and (row["key"] == "bonafide" or row["engine_version"]), row
        assert row["text"] or row["source"] != "text", row


def test_eval_holds_unseen_technologies_and_the_shortcut_report_is_written(small):
    systems = {split: {row[3] for row in cm_rows(small, split)} - {"-"} for split in CM_FILES}
    assert systems["eval"] - systems["train"] - systems["dev"]
    report = json.loads((small / "shortcuts" / "shortcuts.json").read_text())
    assert report and (small / "shortcuts" / "shortcuts.md").is_file()


def test_a_complete_build_is_left_alone(small, shared_data):
    stamps = {p: p.stat().st_mtime_ns for p in small.rglob("*") if p.is_file()}
    assert build_open_spoof(small, shared_data, "small", seed=0) == small
    assert {p: p.stat().st_mtime_ns for p in small.rglob("*") if p.is_file()} == stamps


def test_other_settings_in_the_same_folder_are_refused_naming_them(small, shared_data):
    with pytest.raises(DataError, match="seed"):
        build_open_spoof(small, shared_data, "small", seed=1)


def test_an_interrupted_build_resumes_and_remakes_the_same_files(small, shared_data, tmp_path):
    copy = tmp_path / "copy"
    shutil.copytree(small, copy, copy_function=os.link)
    (copy / COMPLETE_MARKER).rename(copy / BUILDING_MARKER)
    shutil.rmtree(copy / "shortcuts")
    removed = sorted((copy / "LA").glob("ASVspoof2019_LA_*/flac/*.flac"))[::40]
    originals = {p.name: (small / p.relative_to(copy)).read_bytes() for p in removed}
    kept = next(p for p in (copy / "LA").glob("ASVspoof2019_LA_*/flac/*.flac") if p not in removed)
    for path in removed:
        path.unlink()
    build_open_spoof(copy, shared_data, "small", seed=0, workers=1)
    assert {p.name: p.read_bytes() for p in removed} == originals
    assert kept.stat().st_ino == (small / kept.relative_to(copy)).stat().st_ino  # not rewritten
    assert (copy / COMPLETE_MARKER).is_file() and not (copy / BUILDING_MARKER).exists()


def test_an_undecodable_user_file_is_left_out_with_one_line(shared_data, tmp_path, caplog):
    (tmp_path / "mine" / "dave").mkdir(parents=True)
    soundfile.write(tmp_path / "mine" / "dave" / "good.wav", np.zeros(16000, dtype=np.float32), 16000)
    (tmp_path / "mine" / "dave" / "broken.wav").write_bytes(b"not audio at all")
    plan = plan_open_corpus(shared_data, (tmp_path / "mine",), 0, PRESETS["full"], EVERYTHING)
    mine = {Path(e.source).name for e in plan if e.source.startswith(str(tmp_path))}
    assert mine == {"good.wav"}
    assert [r.getMessage() for r in caplog.records if "broken.wav" in r.getMessage()] != []


def test_a_missing_user_folder_is_an_error_naming_it(shared_data, tmp_path):
    with pytest.raises(DataError, match="nowhere"):
        plan_open_corpus(shared_data, (tmp_path / "nowhere",), 0, PRESETS["small"], EVERYTHING)


def test_a_file_an_engine_fails_on_is_reported_and_left_out(shared_data, tmp_path, monkeypatch, caplog):
    def failing_synthesis(engine, voice, text, seed, work_dir):
        raise RuntimeError(f"{engine} crashed on purpose")

    monkeypatch.setattr("asdf.corpus_builders.open_spoof.render.synthesize", failing_synthesis)
    root = build_open_spoof(tmp_path / "open", shared_data, "small", seed=0, workers=1)  # patched here only
    rows = manifest_rows(root)
    assert rows and not any(row["source"] == "text" for row in rows)  # every TTS file failed and is left out
    in_protocols = {row[1] for split in CM_FILES for row in cm_rows(root, split)}
    assert in_protocols == {row["utt_id"] for row in rows if row["role"] == "trial"}
    assert "RuntimeError: " in (root / "README.txt").read_text() and "crashed on purpose" in caplog.text


def test_a_wrong_source_folder_is_named_and_leaves_the_output_folder_free(shared_data, tmp_path):
    with pytest.raises(DataError, match="no source speech found under"):
        build_open_spoof(tmp_path / "open", tmp_path / "empty", "small")
    assert not (tmp_path / "open" / BUILDING_MARKER).exists()


def test_an_unexpected_error_fails_only_its_files_and_names_itself(tmp_path, monkeypatch):
    from asdf.corpus_builders.open_spoof.render import Output, RecordingJob, render

    def broken_attack(name):
        def attack(waveform, rng):
            raise IndexError("index 181 is out of bounds")
        return attack

    monkeypatch.setattr("asdf.corpus_builders.open_spoof.render.make_attack", broken_attack)
    source = tmp_path / "real.wav"
    time = np.arange(32000) / 16000
    soundfile.write(source, (0.1 * np.sin(2 * np.pi * 150 * time) * (np.sin(2 * np.pi * 3 * time) > 0)), 16000)
    outputs = (Output(tmp_path / "real.flac", 0, None, (0, 1)), Output(tmp_path / "fake.flac", 0, "pitch_shift", (0, 2)))
    result = render(RecordingJob(source, 1, 4.0, outputs))
    assert (tmp_path / "real.flac").is_file() and not (tmp_path / "fake.flac").exists()
    assert result.existing == 1 and [path for path, _ in result.failed] == [str(tmp_path / "fake.flac")]
    assert result.failed[0][1].startswith("IndexError: index 181 is out of bounds (a bug in asdf")
