"""The shortcut report on synthetic corpora whose spoofs equal the bona fide files but for one planted trace."""

from __future__ import annotations

import io
import json
import logging
import math
from pathlib import Path

import numpy as np
import pytest
import soundfile
from scipy.signal import butter, lfilter, sosfiltfilt

from asdf.base.errors import ConfigError, DataError
from asdf.corpus_builders.shortcuts import STATISTICS, TRACE_STATISTICS, file_statistics, risk_lines, shortcut_report

RATE = 16000
PROTOCOLS = {"train": "train.trn", "dev": "dev.trl", "eval": "eval.trl"}
# The planted trace of each system ('-' is bona fide). 40 files per class and scope: a null AUC then has a standard
# deviation of about 0.065, so the 0.80 threshold is 4.6 of them away.
MIXED = {
    "train": {"-": None, "A01": None},
    "dev": {"-": None, "A01": None},
    "eval": {"-": None, "A07": None, "A08": "level", "A09": "silence"},
}
LOW_PASSED = {"train": {"-": None, "A01": "lowpass"}, "dev": {"-": None, "A01": "lowpass"},
              "eval": {"-": None, "A07": "lowpass"}}
# A08's whole file is quieter, so its noise floor too
PLANTED = {"A07": set(), "A08": {"active_level_dbfs", "noise_floor_dbfs"}, "A09": {"leading_silence_s", "trailing_silence_s"}}
LOW_PASS = butter(10, 4000, fs=RATE, output="sos")


def voice(rng: np.random.Generator, seconds: float) -> np.ndarray:
    """A stand-in for speech: a pulse train with random pitch, tilt and formant, syllable-like loudness, unit RMS."""
    time = np.arange(int(seconds * RATE)) / RATE
    f0 = rng.uniform(90, 250) * (1 + 0.05 * np.sin(2 * np.pi * 3 * time + rng.uniform(0, 2 * np.pi)))
    pulses = np.diff(np.floor(np.cumsum(f0) / RATE), prepend=0.0)
    radius, formant = 0.7, 2 * np.pi * rng.uniform(400, 2500) / RATE
    resonated = lfilter([1.0], [1.0, -2 * radius * np.cos(formant), radius**2], pulses)
    tilted = lfilter([1.0], [1.0, -rng.uniform(0.3, 0.6)], resonated)
    speech = tilted * (0.65 + 0.35 * np.sin(2 * np.pi * rng.uniform(3, 5) * time + rng.uniform(0, 2 * np.pi)))
    return speech / np.sqrt(np.mean(speech**2))


def utterance(rng: np.random.Generator, trace: str | None) -> np.ndarray:
    """Silence, speech, silence and a noise floor 60 dB down, with the planted trace if any."""
    lead, tail = rng.uniform(0.1, 0.3, size=2)
    # Every file has an extra 0.5 s of silence: at its end, or at its start where that is the trace.
    lead, tail = (lead + 0.5, tail) if trace == "silence" else (lead, tail + 0.5)
    audio = np.concatenate([np.zeros(int(lead * RATE)), voice(rng, rng.uniform(0.6, 1.2)), np.zeros(int(tail * RATE))])
    audio += 1e-3 * rng.standard_normal(len(audio))
    audio *= 10 ** ((rng.uniform(-28, -24) - (6.0 if trace == "level" else 0.0)) / 20)
    return sosfiltfilt(LOW_PASS, audio) if trace == "lowpass" else audio


def write_flac(path: Path, audio: np.ndarray) -> None:
    """24-bit FLAC (no quantisation noise to speak of), encoded in memory: libsndfile writes files slowly."""
    encoded = io.BytesIO()
    soundfile.write(encoded, audio, RATE, format="FLAC", subtype="PCM_24")
    path.write_bytes(encoded.getvalue())


def write_corpus(root: Path, traces: dict, per_class: int = 40) -> Path:
    """A corpus in the ASVspoof 2019 LA layout, `per_class` files of bona fide and of each spoof system per split."""
    rng = np.random.default_rng(0)
    for split, systems in traces.items():
        flac = root / "LA" / f"ASVspoof2019_LA_{split}" / "flac"
        flac.mkdir(parents=True)
        lines = []
        for system, trace in systems.items():
            for number in range(per_class):
                utt_id = f"LA_{split[0].upper()}_{len(lines):07d}"
                write_flac(flac / f"{utt_id}.flac", utterance(rng, trace))
                lines.append(f"LA_{number % 5:04d} {utt_id} - {system} {'bonafide' if system == '-' else 'spoof'}\n")
        protocol = root / "LA" / "ASVspoof2019_LA_cm_protocols" / f"ASVspoof2019.LA.cm.{PROTOCOLS[split]}.txt"
        protocol.parent.mkdir(parents=True, exist_ok=True)
        protocol.write_text("".join(lines))
    return root


def reported(folder: Path, traces: dict):
    """(report folder, report) of a synthetic corpus written under `folder`."""
    root = write_corpus(folder / "corpus", traces)
    return folder / "report", shortcut_report(root, folder / "report")[0]


@pytest.fixture(scope="module")
def mixed(tmp_path_factory):
    return reported(tmp_path_factory.mktemp("mixed"), MIXED)


@pytest.fixture(scope="module")
def low_passed(tmp_path_factory):
    return reported(tmp_path_factory.mktemp("low_passed"), LOW_PASSED)


def flagged(report, scope: str) -> set[str]:
    return {risk.statistic for risk in report.risks if risk.scope == scope}


def test_each_planted_trace_is_flagged_in_its_system_and_nothing_else(mixed):
    report = mixed[1]
    assert {risk.scope for risk in report.risks} == {"eval system A08", "eval system A09"}
    for system, planted in PLANTED.items():
        assert flagged(report, f"eval system {system}") == planted
        for name, by_system in report.eval_system_auc.items():
            assert by_system[system] > 0.95 if name in planted else by_system[system] < 0.8
    assert all(by_scope["pooled"] < 0.7 for by_scope in report.auc.values())


def test_random_labels_defeat_the_trivial_classifier(mixed):
    # Train and dev labels are random; eval's traces (level, silence) do not show in the MFCCs of active frames.
    eers = mixed[1].classifier_eer
    assert 0.3 <= eers["dev"] <= 0.7 and 0.3 <= eers["eval"] <= 0.7


def test_a_low_pass_is_flagged_by_the_bandwidth_and_the_trivial_classifier(low_passed):
    report = low_passed[1]
    assert all(value > 0.95 for value in report.auc["bandwidth_hz"].values())
    # a low-pass also removes the noise above its cut-off, so the noise floor may show it too
    level_and_time = set(TRACE_STATISTICS) - {"rolloff_hz", "bandwidth_hz", "noise_floor_dbfs"}
    assert "bandwidth_hz" in {risk.statistic for risk in report.risks}
    assert not {risk.statistic for risk in report.risks} & level_and_time
    assert report.classifier_eer["dev"] < 0.05 and report.classifier_eer["eval"] < 0.05


def test_statistics_of_a_known_signal(tmp_path):
    rng = np.random.default_rng(3)
    # -20 dBFS white noise between silences (roll-off at 95 % of 8 kHz), and the same low-passed at 2 kHz
    white = np.concatenate([np.zeros(RATE // 4), 0.1 * rng.standard_normal(RATE), np.zeros(RATE // 2)])
    write_flac(tmp_path / "white.flac", white)
    write_flac(tmp_path / "low.flac", sosfiltfilt(butter(10, 2000, fs=RATE, output="sos"), white))
    stats = dict(zip(STATISTICS, file_statistics(str(tmp_path / "white.flac"))))
    assert stats["duration_s"] == 1.75 and abs(stats["active_level_dbfs"] + 20) < 0.3
    assert abs(stats["leading_silence_s"] - 0.25) <= 0.02 and abs(stats["trailing_silence_s"] - 0.5) <= 0.02
    assert abs(stats["rolloff_hz"] - 7600) < 150 and stats["bandwidth_hz"] == 8000
    low = dict(zip(STATISTICS, file_statistics(str(tmp_path / "low.flac"))))
    assert 1500 < low["rolloff_hz"] < 2100 and 2000 < low["bandwidth_hz"] < 3000


def finite_numbers(data) -> bool:
    """True when every number in nested JSON data is finite (and no 'nan' strings stand in for one)."""
    if isinstance(data, dict):
        return all(finite_numbers(value) for value in data.values())
    if isinstance(data, list):
        return all(finite_numbers(value) for value in data)
    if isinstance(data, str):
        return data not in ("nan", "inf", "-inf")
    return data is not None and math.isfinite(data)


def test_report_files_are_written_for_people_and_programs(mixed):
    out_dir, report = mixed
    data = json.loads((out_dir / "shortcuts.json").read_text())
    assert finite_numbers(data) and data["file_counts"]["eval"] == {"bonafide": 40, "spoof": 120}
    assert data["file_counts"]["eval system A08"] == {"bonafide": 40, "spoof": 40}
    assert {(risk["statistic"], risk["scope"]) for risk in data["risks"]} == {
        ("active_level_dbfs", "eval system A08"), ("noise_floor_dbfs", "eval system A08"),
        ("leading_silence_s", "eval system A09"), ("trailing_silence_s", "eval system A09"),
    }
    rows = [line.split("\t") for line in (out_dir / "file_statistics.tsv").read_text().splitlines()]
    assert rows[0] == ["utt_id", "split", "system", "key", *STATISTICS] and len(rows) == 1 + 80 + 80 + 160
    assert all(len(row) == len(rows[0]) and all(math.isfinite(float(v)) for v in row[4:]) for row in rows[1:])
    lines = risk_lines(report)
    assert len(lines) == 4 and "active_level_dbfs" in lines[0] and "eval system A08" in lines[0]
    markdown = (out_dir / "shortcuts.md").read_text()
    assert "| statistic | train | dev | eval | pooled |" in markdown and "| statistic | A07 | A08 | A09 |" in markdown
    assert all(line in markdown for line in lines) and "EER" in markdown


def test_few_files_are_not_judged_and_workers_give_the_same_statistics(tmp_path, caplog):
    root = write_corpus(tmp_path / "corpus", MIXED, per_class=5)
    report, _ = shortcut_report(root, tmp_path / "one")
    # Five files a class separate perfectly by chance too often to call that a risk.
    assert report.eval_system_auc["active_level_dbfs"]["A08"] == 1.0 and report.risks == []
    with caplog.at_level(logging.INFO, logger="asdf.corpus_builders.shortcuts"):
        shortcut_report(root, tmp_path / "two", workers=2)
    statistics = [(tmp_path / run / "file_statistics.tsv").read_bytes() for run in ("one", "two")]
    assert statistics[0] == statistics[1]
    progress = [record.getMessage() for record in caplog.records if "/40 files" in record.getMessage()]
    assert 9 <= len(progress) <= 11 and progress[-1].endswith("40/40 files")


def test_unusable_input_is_refused_naming_it(tmp_path):
    root = write_corpus(tmp_path / "corpus", MIXED, per_class=2)
    (root / "LA" / "ASVspoof2019_LA_dev" / "flac" / "LA_D_0000001.flac").write_bytes(b"not audio at all")
    with pytest.raises(DataError, match="LA_D_0000001.flac"):
        shortcut_report(root, tmp_path / "report")
    with pytest.raises(ConfigError, match="threshold"):
        shortcut_report(root, tmp_path / "report", threshold=1.5)
    (root / "LA" / "ASVspoof2019_LA_cm_protocols" / "ASVspoof2019.LA.cm.eval.trl.txt").unlink()
    with pytest.raises(DataError, match="eval.trl"):
        shortcut_report(root, tmp_path / "report")
    assert not (tmp_path / "report").exists()
