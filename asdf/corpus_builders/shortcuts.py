"""The shortcut report of a spoofing corpus: can one cheap trace of how the files were made (duration, level,
silence, bandwidth) tell bona fide from spoof? A detector trained on such a corpus learns the trace, not the artefact.

Statistics of each file (16 kHz mono; 20 ms frames for levels; 32 ms Hann STFT frames every 10 ms for spectra):
- duration_s: the length in seconds.
- active_level_dbfs: 10 log10 of the mean squared sample (full scale = 1) over the 20 ms frames within 40 dB of the
  loudest one (the active frames).
- noise_floor_dbfs: the level of the quietest tenth of the 20 ms frames: room noise in a recording, often digital
  silence in synthetic speech.
- leading_silence_s, trailing_silence_s: the time before the first and after the last active frame.
- rolloff_hz: the frequency below which 95 % of a frame's power lies, averaged over the active STFT frames (those
  within 40 dB of the loudest STFT frame).
- bandwidth_hz: the highest frequency at which the long-term spectrum (the power spectrum averaged over the active
  STFT frames, 31.25 Hz bins) is within 50 dB of its own peak; a low-passed or upsampled file shows its cut-off here.
- mfccNN_mean, mfccNN_var: mean and variance over the active STFT frames of the demo ASV's MFCCs c1..c20.
How well one statistic separates the classes is its AUC, reported as max(AUC, 1 - AUC): direction does not matter.
"""

from __future__ import annotations

import logging
import math
import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, NamedTuple

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from asdf.base.errors import ConfigError, DataError
from asdf.base.fileio import atomic_write_json, atomic_write_text
from asdf.corpora.asvspoof2019 import ASVspoof2019LA
from asdf.corpus_builders.kit.asv import HOP, N_FFT, N_MFCC, mfcc
from asdf.corpus_builders.kit.conditioning import FRAME, frame_levels_db
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, stft
from asdf.data.audio import read_audio
from asdf.metrics import compute_eer

logger = logging.getLogger(__name__)

SPLITS = ("train", "dev", "eval")
DEFAULT_THRESHOLD = 0.80
CHANCE_MARGIN = 4.0  # a risk's AUC also lies this many chance standard deviations above 0.5
SPEECH_RANGE_DB = 40.0
ROLLOFF_FRACTION = 0.95
BANDWIDTH_RANGE_DB = 50.0
L2_STRENGTH = 0.01  # on standardised weights, against the class-balanced mean log-loss
TRACE_STATISTICS = (
    "duration_s", "active_level_dbfs", "noise_floor_dbfs", "leading_silence_s", "trailing_silence_s", "rolloff_hz",
    "bandwidth_hz",
)
NOISE_FLOOR_PERCENTILE = 10  # the level of the quietest tenth of the frames: room noise in real recordings
MFCC_STATISTICS = tuple(f"mfcc{n:02d}_{moment}" for moment in ("mean", "var") for n in range(1, N_MFCC + 1))
STATISTICS = TRACE_STATISTICS + MFCC_STATISTICS
# A worker's BLAS would start a thread per core for the small matrix products here, and workers x cores threads
# thrash (several times slower); spawned workers read these when they start.
ONE_BLAS_THREAD = {"OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
EXPLANATION = (
    "Each AUC says how well one statistic alone tells bona fide from spoof (0.50: not at all, 1.00: perfectly, in "
    "either direction); a duration, level, silence or bandwidth statistic above the threshold is a trace of how the "
    "files were made, which a detector learns instead of the artefacts, so even it out (trim, normalise, resample) "
    "before training. MFCC statistics and the trivial classifier can also pick up genuine synthesis artefacts: "
    "a high AUC or a low EER there is a reason to listen to the files, not proof of a shortcut."
)


@dataclass(frozen=True)
class CorpusFile:
    """One CM trial: utterance, split, system ('-' for bona fide), key and audio path."""

    utt_id: str
    split: str
    system: str
    key: str
    path: str


class Risk(NamedTuple):
    """A statistic whose AUC exceeds the threshold in one scope: a split, 'pooled' or 'eval system S'."""

    statistic: str
    scope: str
    auc: float


@dataclass(frozen=True)
class ShortcutReport:
    """All numbers of the report; an AUC or EER is None where one of the two classes has no files."""

    threshold: float
    file_counts: dict[str, dict[str, int]]  # split, 'pooled' or 'eval system S' -> key -> number of files
    auc: dict[str, dict[str, float | None]]  # statistic -> split or 'pooled' -> max(AUC, 1 - AUC)
    eval_system_auc: dict[str, dict[str, float | None]]  # statistic -> eval spoof system -> max(AUC, 1 - AUC)
    classifier_eer: dict[str, float | None]  # 'dev', 'eval' -> EER (fraction) of the trivial classifier
    risks: list[Risk]
    system_split: str = "eval"  # the split whose spoof systems are judged one by one ('pooled': every split)


def level_statistics(waveform: np.ndarray) -> list[float]:
    """Duration, active level, noise floor, leading and trailing silence of a 16 kHz waveform (module docstring)."""
    levels = frame_levels_db(waveform)
    active = np.flatnonzero(levels > levels.max() - SPEECH_RANGE_DB)
    active_level = 10.0 * np.log10(np.mean(10.0 ** (levels[active] / 10.0)))
    trailing_samples = len(waveform) - (active[-1] + 1) * FRAME
    noise_floor = float(np.percentile(levels, NOISE_FLOOR_PERCENTILE))
    return [len(waveform) / SAMPLE_RATE, active_level, noise_floor, active[0] * FRAME / SAMPLE_RATE,
            trailing_samples / SAMPLE_RATE]


def spectral_statistics(waveform: np.ndarray) -> list[float]:
    """Roll-off, bandwidth, MFCC means and variances of a 16 kHz waveform (see the module docstring)."""
    power = np.abs(stft(waveform, N_FFT, HOP)) ** 2
    frame_db = 10.0 * np.log10(power.sum(axis=-1) + 1e-12)
    active = power[frame_db > frame_db.max() - SPEECH_RANGE_DB]
    bin_hz = SAMPLE_RATE / N_FFT
    cumulative = np.cumsum(active, axis=-1)
    rolloff_bins = np.argmax(cumulative >= ROLLOFF_FRACTION * cumulative[:, -1:], axis=-1)
    long_term_db = 10.0 * np.log10(active.mean(axis=0) + 1e-20)
    bandwidth_bin = np.flatnonzero(long_term_db >= long_term_db.max() - BANDWIDTH_RANGE_DB)[-1]
    coefficients = mfcc(active)
    return [rolloff_bins.mean() * bin_hz, bandwidth_bin * bin_hz, *coefficients.mean(axis=0), *coefficients.var(axis=0)]


def file_statistics(path: str) -> np.ndarray:
    """All statistics of one audio file, in STATISTICS order; DataError naming the file if it cannot be used."""
    waveform = read_audio(path, SAMPLE_RATE)
    if len(waveform) < FRAME:
        raise DataError(f"{path}: {len(waveform)} samples, shorter than one 20 ms frame; its statistics are undefined")
    return np.array(level_statistics(waveform) + spectral_statistics(waveform))


def corpus_files(corpus_root: Path) -> list[CorpusFile]:
    """Every CM trial of the train, dev and eval protocols of a corpus in the ASVspoof 2019 LA layout."""
    corpus = ASVspoof2019LA(corpus_root, setting="the corpus root")
    files = []
    for split in SPLITS:
        table = corpus.utterances(split)
        files += [CorpusFile(row.utt_id, split, row.attack, row.key, row.path) for row in table.itertuples()]
    return files


def statistics_matrix(files: list[CorpusFile], workers: int = 1) -> np.ndarray:
    """The statistics of every file (one row each, in `files` order), on `workers` processes."""
    paths = [file.path for file in files]
    if workers <= 1:
        return _collect(map(file_statistics, paths), len(paths))
    # Spawned, not forked, workers: the caller may hold torch's thread pools, which do not survive a fork.
    context = multiprocessing.get_context("spawn")
    with one_blas_thread_in_children(), ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        chunk = max(1, len(paths) // (workers * 50))
        return _collect(pool.map(file_statistics, paths, chunksize=chunk), len(paths))


@contextmanager
def one_blas_thread_in_children() -> Iterator[None]:
    """Set ONE_BLAS_THREAD in the environment that processes started meanwhile inherit; restore it after."""
    saved = {name: os.environ.get(name) for name in ONE_BLAS_THREAD}
    os.environ.update(ONE_BLAS_THREAD)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _collect(rows: Iterable[np.ndarray], total: int) -> np.ndarray:
    """Stack the rows as they come, logging about every tenth of the files."""
    collected, next_report = [], total / 10
    for row in rows:
        collected.append(row)
        if len(collected) >= next_report or len(collected) == total:
            logger.info("shortcuts: statistics of %d/%d files", len(collected), total)
            next_report += total / 10
    return np.array(collected).reshape(total, len(STATISTICS))


def separation_auc(values: np.ndarray, is_bonafide: np.ndarray) -> float | None:
    """max(AUC, 1 - AUC) of `values` separating bona fide from spoof (ties count half); None if a class is empty."""
    bonafide, spoof = values[is_bonafide], np.sort(values[~is_bonafide])
    if len(bonafide) == 0 or len(spoof) == 0:
        return None
    below = np.searchsorted(spoof, bonafide, side="left")
    tied = np.searchsorted(spoof, bonafide, side="right") - below
    auc = (below.sum() + tied.sum() / 2) / (len(bonafide) * len(spoof))
    return float(max(auc, 1.0 - auc))


def scoped_aucs(matrix: np.ndarray, is_bonafide: np.ndarray, scopes: dict[str, np.ndarray]) -> dict:
    """statistic -> scope -> AUC over the files each scope's mask selects."""
    return {
        name: {scope: separation_auc(matrix[mask, column], is_bonafide[mask]) for scope, mask in scopes.items()}
        for column, name in enumerate(STATISTICS)
    }


def scope_masks(
    files: list[CorpusFile], system_split: str = "eval"
) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """Masks of the files of each split and 'pooled'; and per spoof system of `system_split` ('pooled': of every
    split), its files and the bona fide files of that split."""
    splits = np.array([file.split for file in files])
    systems = np.array([file.system for file in files])
    bonafide = np.array([file.key == "bonafide" for file in files])
    split_scopes = {split: splits == split for split in SPLITS} | {"pooled": np.ones(len(files), dtype=bool)}
    chosen = split_scopes[system_split]
    names = sorted(set(systems[chosen & ~bonafide]))
    return split_scopes, {name: chosen & (bonafide | (systems == name)) for name in names}


def chance_deviation(n_bonafide: int, n_spoof: int) -> float:
    """Standard deviation of the AUC of a statistic that does not separate the classes (Mann-Whitney, no ties)."""
    return math.sqrt((n_bonafide + n_spoof + 1) / (12 * n_bonafide * n_spoof))


@dataclass(frozen=True)
class LogisticModel:
    """L2-regularised logistic regression on standardised features; a score is the log-odds of bona fide."""

    mean: np.ndarray
    scale: np.ndarray
    weights: np.ndarray
    bias: float

    def scores(self, features: np.ndarray) -> np.ndarray:
        """Log-odds of bona fide of each row of `features`."""
        return (features - self.mean) / self.scale @ self.weights + self.bias


def fit_logistic(features: np.ndarray, is_bonafide: np.ndarray, l2: float = L2_STRENGTH) -> LogisticModel:
    """Fit by L-BFGS with the two classes weighted equally (a corpus may hold far more spoofs than bona fide)."""
    mean, scale = features.mean(axis=0), features.std(axis=0)
    scale = np.where(scale > 1e-12, scale, 1.0)
    standardised = (features - mean) / scale
    signs = np.where(is_bonafide, 1.0, -1.0)
    sample_weights = np.where(is_bonafide, 0.5 / is_bonafide.sum(), 0.5 / (~is_bonafide).sum())

    def loss_and_gradient(parameters: np.ndarray) -> tuple[float, np.ndarray]:
        weights, bias = parameters[:-1], parameters[-1]
        margins = signs * (standardised @ weights + bias)
        loss = sample_weights @ np.logaddexp(0.0, -margins) + l2 / 2 * weights @ weights
        slope = -sample_weights * signs * expit(-margins)
        return loss, np.append(standardised.T @ slope + l2 * weights, slope.sum())

    solution = minimize(loss_and_gradient, np.zeros(features.shape[1] + 1), jac=True, method="L-BFGS-B").x
    return LogisticModel(mean, scale, solution[:-1], float(solution[-1]))


def trivial_classifier_eers(matrix: np.ndarray, files: list[CorpusFile]) -> dict[str, float | None]:
    """EER on dev and eval of logistic regression on the MFCC means and variances, trained on train."""
    features = matrix[:, len(TRACE_STATISTICS) :]
    splits = np.array([file.split for file in files])
    is_bonafide = np.array([file.key == "bonafide" for file in files])
    train = splits == "train"
    if is_bonafide[train].all() or not is_bonafide[train].any():
        return {"dev": None, "eval": None}
    model = fit_logistic(features[train], is_bonafide[train])
    return {split: _eer(model.scores(features[splits == split]), is_bonafide[splits == split]) for split in SPLITS[1:]}


def _eer(scores: np.ndarray, is_bonafide: np.ndarray) -> float | None:
    """asdf's EER of the scores, or None when a class is empty."""
    if is_bonafide.all() or not is_bonafide.any():
        return None
    return compute_eer(scores[is_bonafide], scores[~is_bonafide]).eer


def find_risks(
    auc: dict, eval_system_auc: dict, file_counts: dict, threshold: float, system_split: str = "eval"
) -> list[Risk]:
    """Every (statistic, scope) whose AUC exceeds `threshold` by more than chance allows for that many files."""
    scoped = [(name, scope, value) for name, by_scope in auc.items() for scope, value in by_scope.items()]
    scoped += [
        (name, f"{system_split} system {system}", value)
        for name, by_system in eval_system_auc.items()
        for system, value in by_system.items()
    ]
    return [Risk(*item) for item in scoped if _is_risk(item[2], file_counts[item[1]], threshold)]


def _is_risk(auc: float | None, counts: dict[str, int], threshold: float) -> bool:
    """True when `auc` exceeds the threshold and lies CHANCE_MARGIN chance deviations above 0.5."""
    if auc is None:
        return False
    return auc > threshold and auc - 0.5 > CHANCE_MARGIN * chance_deviation(counts["bonafide"], counts["spoof"])


def risk_lines(report: ShortcutReport, include_mfcc: bool = True) -> list[str]:
    """One warning line per statistic at risk, naming each scope where it is (see `find_risks`); MFCC
    statistics left out when `include_mfcc` is False (they also see voices and real artefacts, not only traces)."""
    places: dict[str, list[str]] = {}
    for risk in report.risks:
        if include_mfcc or risk.statistic in TRACE_STATISTICS:
            places.setdefault(risk.statistic, []).append(f"{risk.scope} {risk.auc:.2f}")
    return [
        f"shortcut risk: {name} alone separates bona fide from spoof (AUC > {report.threshold:.2f} in "
        f"{', '.join(scopes)})"
        for name, scopes in places.items()
    ]


def build_report(
    files: list[CorpusFile], matrix: np.ndarray, threshold: float, system_split: str = "eval"
) -> ShortcutReport:
    """The AUCs, the trivial classifier's EERs and the risks of a corpus' statistics; each spoof system of
    `system_split` ('pooled': all) is also judged alone against that split's bona fide."""
    is_bonafide = np.array([file.key == "bonafide" for file in files])
    split_scopes, system_scopes = scope_masks(files, system_split)
    auc = scoped_aucs(matrix, is_bonafide, split_scopes)
    eval_system_auc = scoped_aucs(matrix, is_bonafide, system_scopes)
    every_scope = split_scopes | {f"{system_split} system {name}": mask for name, mask in system_scopes.items()}
    counts = {
        scope: {"bonafide": int((mask & is_bonafide).sum()), "spoof": int((mask & ~is_bonafide).sum())}
        for scope, mask in every_scope.items()
    }
    risks = find_risks(auc, eval_system_auc, counts, threshold, system_split)
    return ShortcutReport(threshold, counts, auc, eval_system_auc, trivial_classifier_eers(matrix, files), risks,
                          system_split)


def report_dict(report: ShortcutReport) -> dict:
    """The report as JSON-ready data."""
    return {
        "threshold": report.threshold,
        "file_counts": report.file_counts,
        "auc": report.auc,
        "eval_system_auc": report.eval_system_auc,
        "trivial_classifier": {
            "model": f"logistic regression, L2 {L2_STRENGTH}, standardised MFCC means and variances, trained on train",
            "eer": report.classifier_eer,
        },
        "risks": [risk._asdict() for risk in report.risks],
    }


def _number(value: float | None, percent: bool = False) -> str:
    """A table cell: two decimals (or a percentage), 'n/a' for None."""
    if value is None:
        return "n/a"
    return f"{100 * value:.1f} %" if percent else f"{value:.2f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table."""
    lines = [header, ["---"] * len(header), *rows]
    return "\n".join("| " + " | ".join(cells) + " |" for cells in lines)


def report_markdown(report: ShortcutReport) -> str:
    """The report as tables a person reads."""
    scopes = [*SPLITS, "pooled"]
    systems = sorted({system for by_system in report.eval_system_auc.values() for system in by_system})
    counts = [[scope, str(n["bonafide"]), str(n["spoof"])] for scope, n in report.file_counts.items()]
    auc_rows = [[name, *(_number(by_scope[s]) for s in scopes)] for name, by_scope in report.auc.items()]
    system_rows = [[name, *(_number(by_s[s]) for s in systems)] for name, by_s in report.eval_system_auc.items()]
    eers = [[split, _number(eer, percent=True)] for split, eer in report.classifier_eer.items()]
    risk_rule = f"AUC > {report.threshold:.2f} and {CHANCE_MARGIN:g} chance deviations above 0.50 for that many files"
    sections = [
        "# Shortcut report", EXPLANATION, _table(["files in", "bona fide", "spoof"], counts),
        "## AUC of each statistic alone, max(AUC, 1 - AUC)", _table(["statistic", *scopes], auc_rows),
        f"## AUC per spoof system in {report.system_split} (against its bona fide)",
        _table(["statistic", *systems], system_rows),
        "## Trivial classifier: logistic regression on MFCC means and variances, trained on train",
        _table(["split", "EER"], eers),
        f"## Shortcut risks ({risk_rule})", "\n".join(f"- {line}" for line in risk_lines(report)) or "- none",
    ]
    return "\n\n".join(sections) + "\n"


def statistics_tsv(files: list[CorpusFile], matrix: np.ndarray) -> str:
    """One line per file: utt_id, split, system, key and every statistic."""
    header = "\t".join(("utt_id", "split", "system", "key") + STATISTICS)
    rows = [
        "\t".join([file.utt_id, file.split, file.system, file.key, *(f"{value:.6g}" for value in row)])
        for file, row in zip(files, matrix)
    ]
    return "\n".join([header, *rows]) + "\n"


def write_report(
    files: list[CorpusFile], matrix: np.ndarray, out_dir: Path, threshold: float, system_split: str = "eval"
) -> ShortcutReport:
    """Judge the statistics of `files` and write shortcuts.json, shortcuts.md and file_statistics.tsv."""
    report = build_report(files, matrix, threshold, system_split)
    out_dir = Path(out_dir)
    atomic_write_text(out_dir / "file_statistics.tsv", statistics_tsv(files, matrix))
    atomic_write_json(out_dir / "shortcuts.json", report_dict(report))
    atomic_write_text(out_dir / "shortcuts.md", report_markdown(report))
    logger.info("shortcuts: %d statistic(s) at risk; report in %s", len(risk_lines(report)), out_dir / "shortcuts.md")
    return report


def shortcut_report(
    corpus_root: Path, out_dir: Path, workers: int = 1, threshold: float = DEFAULT_THRESHOLD,
    subsets: dict[str, set[str]] | None = None,
) -> tuple[ShortcutReport, dict[str, ShortcutReport]]:
    """Compute, judge and write the shortcut report of a corpus in `out_dir`; and for each subset (name -> spoof
    systems), the report of every bona fide file against those systems' files, each system judged alone in every
    split, in `out_dir/name`."""
    if not 0.5 <= threshold < 1.0:
        raise ConfigError(f"shortcut report threshold: expected an AUC in [0.5, 1), got {threshold}")
    files = corpus_files(Path(corpus_root))
    logger.info("shortcuts: statistics of %d files of %s on %d worker(s)", len(files), corpus_root, max(workers, 1))
    matrix = statistics_matrix(files, workers)
    report = write_report(files, matrix, out_dir, threshold)
    reports = {}
    for name, systems in (subsets or {}).items():
        keep = [index for index, file in enumerate(files) if file.key == "bonafide" or file.system in systems]
        if any(files[index].key == "spoof" for index in keep):
            reports[name] = write_report([files[index] for index in keep], matrix[keep], Path(out_dir) / name,
                                         threshold, "pooled")
    return report, reports
