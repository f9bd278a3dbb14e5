"""Several systems on several sets: each set's metrics, one pooled threshold carried over every set, and the
comparison (systems as rows, sets as columns) as Markdown, CSV and LaTeX (booktabs), with every number in JSON.

The pooled EER puts every set's trials into one list and takes one EER threshold; each set's miss and
false-alarm rates at that single threshold show whether a threshold chosen on one corpus carries over to
another (a system can have a low EER on every set and still fail at any one threshold).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from asdf import metrics
from asdf.base.fileio import atomic_write_json, atomic_write_text
from asdf.reports.evaluate import (
    DEFAULT_BOOTSTRAP_RESAMPLES,
    SCORE_CONVENTION,
    class_scores,
    evaluate_trials,
    scores_by_attack,
)
from asdf.reports.markdown import MARKDOWN_CONVENTION, format_number, markdown_table
from asdf.reports.plots import plot_confusion_matrix, plot_score_scatter, plot_scores_by_attack

logger = logging.getLogger(__name__)

LLR_KEYS = ("act_dcf", "act_dcf_threshold", "cllr")  # meaningful only for calibrated LLRs
POOLED = "all sets"  # the column group of the pooled results
LATEX_SPECIALS = {"\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
                  "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}
FILE_NAMES = ("comparison.md", "comparison.csv", "comparison.tex", "comparison.json", "breakdown.csv")


@dataclass(frozen=True)
class ScoredSet:
    """One system's trials on one set: `key`, `score` (higher = bona fide), and optional `utt_id` (for the
    scatter of two systems), `attack` and other condition columns."""

    trials: pd.DataFrame
    asv_scores: pd.DataFrame | None = None  # the organisers' ASV scores (key, score): min t-DCF instead of minDCF


@dataclass(frozen=True)
class SystemScores:
    """A system's score tables by set name."""

    name: str
    sets: dict[str, ScoredSet]
    calibrated: bool = False  # scores are calibrated LLRs: actDCF and Cllr are reported, the Bayes threshold used


@dataclass(frozen=True)
class Column:
    """One column of the comparison table: its set (or POOLED), label, and how to read it from a system."""

    group: str
    label: str
    percent: bool
    value: Callable[[dict], object]


def set_results(scored: ScoredSet, conditions, calibrated: bool, bootstrap: int, seed: int) -> dict:
    """`evaluate_trials` of one set, broken down by the conditions its trials carry; LLR metrics only if calibrated."""
    present = [column for column in conditions if column in scored.trials]
    results = evaluate_trials(scored.trials, scored.asv_scores, conditions=present, bootstrap=bootstrap, seed=seed)
    if not calibrated:  # actDCF and Cllr of uncalibrated scores measure their scale, not the system
        for key in LLR_KEYS:
            results.pop(key)
    return results


def pooled_results(system: SystemScores) -> dict:
    """EER over the concatenated trials of every set, and each set's miss / false-alarm rates at its threshold."""
    classes = {name: class_scores(scored.trials) for name, scored in system.sets.items()}
    bonafide = np.concatenate([scores[0] for scores in classes.values()])
    spoof = np.concatenate([scores[1] for scores in classes.values()])
    eer = metrics.compute_eer(bonafide, spoof)
    per_set = {}
    for name, (set_bonafide, set_spoof) in classes.items():
        miss, false_alarm = metrics.rates_at_threshold(set_bonafide, set_spoof, eer.threshold)
        per_set[name] = {"miss": miss, "false_alarm": false_alarm}
    return {"eer": eer.eer, "threshold": eer.threshold, "per_set": per_set}


def compare_systems(systems: list[SystemScores], conditions=("attack",),
                    bootstrap: int = DEFAULT_BOOTSTRAP_RESAMPLES, seed: int = 0) -> dict:
    """Every number of the comparison: per system and set, pooled over sets, by condition."""
    names = [system.name for system in systems]
    if len(set(names)) != len(names):
        raise ValueError(f"system names must differ, got {names}")
    sets = list(dict.fromkeys(name for system in systems for name in system.sets))
    return {
        "score_convention": SCORE_CONVENTION,
        "pooled_threshold": "one EER threshold over the trials of every set; miss = bona fide with score <= it, "
                            "false alarm = spoof with score > it",
        "sets": sets,
        "conditions": list(conditions),
        "systems": {system.name: {
            "calibrated": system.calibrated,
            "sets": {name: set_results(scored, conditions, system.calibrated, bootstrap, seed)
                     for name, scored in system.sets.items()},
            "pooled": pooled_results(system),
        } for system in systems},
    }


def _set_value(set_name: str, read: Callable[[dict], object]) -> Callable[[dict], object]:
    """A reader of a set's results that gives None where the system lacks the set."""
    return lambda system: read(system["sets"][set_name]) if set_name in system["sets"] else None


def _pooled_rate(set_name: str, rate: str) -> Callable[[dict], object]:
    """A reader of a set's rate at the pooled threshold."""
    return lambda system: system["pooled"]["per_set"].get(set_name, {}).get(rate)


def columns(comparison: dict) -> list[Column]:
    """The table's columns: per set EER, min t-DCF (minDCF without ASV scores), rates at the pooled threshold,
    actDCF and Cllr when any system is calibrated; then the pooled EER and threshold."""
    systems = comparison["systems"].values()
    any_calibrated = any(system["calibrated"] for system in systems)
    table = []
    for name in comparison["sets"]:
        has_tdcf = any(system["sets"].get(name, {}).get("min_tdcf") is not None for system in systems)
        table += [
            Column(name, "EER (%)", True, _set_value(name, lambda results: results["eer"])),
            Column(name, "min t-DCF", False, _set_value(name, lambda results: results.get("min_tdcf")))
            if has_tdcf else Column(name, "minDCF", False, _set_value(name, lambda results: results["min_dcf"])),
            Column(name, "miss (%) at pooled thr.", True, _pooled_rate(name, "miss")),
            Column(name, "FA (%) at pooled thr.", True, _pooled_rate(name, "false_alarm")),
        ]
        if any_calibrated:
            table += [Column(name, "actDCF", False, _set_value(name, lambda results: results.get("act_dcf"))),
                      Column(name, "Cllr", False, _set_value(name, lambda results: results.get("cllr")))]
    return table + [Column(POOLED, "EER (%)", True, lambda system: system["pooled"]["eer"]),
                    Column(POOLED, "threshold", False, lambda system: system["pooled"]["threshold"])]


def _cells(comparison: dict, table: list[Column]) -> list[tuple[str, list[str]]]:
    """(system, formatted cells) per row, as the Markdown and LaTeX tables print them."""
    return [(name, [format_number(column.value(system), column.percent) for column in table])
            for name, system in comparison["systems"].items()]


def comparison_markdown(comparison: dict) -> str:
    """The comparison table and each set's per-condition EERs, one column per system."""
    table = columns(comparison)
    header = ["system"] + [f"{column.group}: {column.label}" for column in table]
    lines = ["# Comparison", "", f"Scores: {MARKDOWN_CONVENTION}; miss and false-alarm (FA) rates in %.",
             f"Pooled threshold: {comparison['pooled_threshold']}.", ""]
    lines += markdown_table(header, [[name, *cells] for name, cells in _cells(comparison, table)])
    systems = comparison["systems"]
    for set_name in comparison["sets"]:
        for condition in comparison["conditions"]:
            groups = {name: system["sets"].get(set_name, {}).get(f"per_{condition}") for name, system in systems.items()}
            groups = {name: group for name, group in groups.items() if group}
            if not groups:
                continue
            values = sorted({value for group in groups.values() for value in group})
            rows = [[value] + [format_number(groups[name][value]["eer"], True) if value in groups[name] else "-"
                               for name in groups] for value in values]
            lines += ["", f"## {set_name}: EER (%) per {condition}", ""]
            lines += markdown_table([condition, *groups], rows)
    return "\n".join(lines) + "\n"


def comparison_csv(comparison: dict) -> str:
    """The comparison table as CSV, full-precision numbers (percent columns in %), empty where not computed."""
    table = columns(comparison)
    rows = [["system"] + [f"{column.group}: {column.label}" for column in table]]
    for name, system in comparison["systems"].items():
        rows.append([name] + [_csv_value(column, column.value(system)) for column in table])
    return _csv_text(rows)


def _csv_value(column: Column, value):
    """A CSV cell: '' where not computed, percent columns times 100, 'nan'/'inf' strings as they are."""
    if value is None:
        return ""
    return 100 * value if column.percent and not isinstance(value, str) else value


def breakdown_csv(comparison: dict) -> str:
    """Long-form CSV of every per-condition result: system, set, condition, value, counts, EER (%), minDCF."""
    rows = [["system", "set", "condition", "value", "n_bonafide", "n_spoof", "eer_percent", "min_dcf"]]
    for name, system in comparison["systems"].items():
        for set_name, results in system["sets"].items():
            for condition in comparison["conditions"]:
                for value, group in results.get(f"per_{condition}", {}).items():
                    rows.append([name, set_name, condition, value, group["n_bonafide"], group["n_spoof"],
                                 100 * group["eer"], group["min_dcf"]])
    return _csv_text(rows)


def _csv_text(rows: list[list]) -> str:
    """Rows as CSV text (quoted where needed, so commas in names survive)."""
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def latex_escape(text: str) -> str:
    """`text` with LaTeX's special characters escaped (`_ % & $ # { } ~ ^ \\`)."""
    return re.sub(r"[\\&%$#_{}~^]", lambda match: LATEX_SPECIALS[match.group()], str(text))


def comparison_latex(comparison: dict) -> str:
    """The comparison table as a booktabs tabular: a header row of sets over a header row of metrics."""
    table = columns(comparison)
    groups = list(dict.fromkeys(column.group for column in table))
    widths = [sum(column.group == group for column in table) for group in groups]
    lines = [r"% needs \usepackage{booktabs}; " + latex_escape(MARKDOWN_CONVENTION),
             r"\begin{tabular}{l" + "".join("r" * width for width in widths) + "}", r"\toprule"]
    lines.append(" & ".join([""] + [rf"\multicolumn{{{width}}}{{c}}{{{latex_escape(group)}}}"
                                    for group, width in zip(groups, widths)]) + r" \\")
    start, rules = 2, []
    for width in widths:
        rules.append(rf"\cmidrule(lr){{{start}-{start + width - 1}}}")
        start += width
    lines.append(" ".join(rules))
    lines.append(" & ".join(["System"] + [latex_escape(column.label) for column in table]) + r" \\")
    lines.append(r"\midrule")
    lines += [" & ".join([latex_escape(name)] + [latex_escape(cell) for cell in cells]) + r" \\"
              for name, cells in _cells(comparison, table)]
    lines += [r"\bottomrule", r"\end{tabular}"]
    return "\n".join(lines) + "\n"


def write_plots(comparison: dict, systems: list[SystemScores], plot_dir: Path) -> list[Path]:
    """Per system and set a confusion matrix and score boxes by attack; per set the first system's scores against
    each other system's on their shared trials. The threshold: the Bayes one for calibrated LLRs, else the pooled."""
    paths = []
    for system in systems:
        pooled = comparison["systems"][system.name]["pooled"]
        threshold, threshold_name = ((metrics.bayes_threshold(), "Bayes threshold") if system.calibrated
                                     else (pooled["threshold"], "pooled EER threshold"))
        for set_name, scored in system.sets.items():
            title, stem = f"{system.name}, {set_name}", _file_stem(f"{system.name}.{set_name}")
            bonafide, spoof = class_scores(scored.trials)
            paths.append(plot_confusion_matrix(bonafide, spoof, threshold, threshold_name,
                                               plot_dir / f"{stem}_confusion.png", title))
            if "attack" in scored.trials:
                paths.append(plot_scores_by_attack(scores_by_attack(scored.trials), threshold,
                                                   plot_dir / f"{stem}_attack_scores.png", title))
    first = systems[0]
    for other in systems[1:]:
        for set_name in first.sets.keys() & other.sets.keys():
            paths += _scatter(comparison, first, other, set_name, plot_dir)
    return paths


def _scatter(comparison: dict, first: SystemScores, other: SystemScores, set_name: str, plot_dir: Path) -> list[Path]:
    """The scatter of two systems' scores on the trials of a set both scored (matched by utt_id)."""
    tables = [system.sets[set_name].trials for system in (first, other)]
    if not all("utt_id" in table for table in tables):
        logger.info("compare: no scatter of %s and %s on %s: the trials have no utt_id", first.name, other.name,
                    set_name)
        return []
    shared = tables[0][["utt_id", "key", "score"]].merge(tables[1][["utt_id", "score"]], on="utt_id")
    if shared.empty:
        logger.info("compare: no scatter of %s and %s on %s: no shared trials", first.name, other.name, set_name)
        return []
    thresholds = tuple(comparison["systems"][system.name]["pooled"]["threshold"] for system in (first, other))
    stem = _file_stem(f"{first.name}_vs_{other.name}.{set_name}")
    return [plot_score_scatter(shared["score_x"].to_numpy(float), shared["score_y"].to_numpy(float),
                               (shared["key"] == "bonafide").to_numpy(), (first.name, other.name), thresholds,
                               plot_dir / f"{stem}_scatter.png", set_name)]


def _file_stem(text: str) -> str:
    """A file name part from system and set names (no path separators)."""
    return re.sub(r"[^A-Za-z0-9._+-]", "_", text)


def write_comparison(comparison: dict, systems: list[SystemScores], out_dir: Path) -> list[Path]:
    """Write comparison.{md,csv,tex,json}, breakdown.csv and plots/ under `out_dir`; return the paths."""
    out_dir = Path(out_dir)
    texts = {"comparison.md": comparison_markdown(comparison), "comparison.csv": comparison_csv(comparison),
             "comparison.tex": comparison_latex(comparison), "breakdown.csv": breakdown_csv(comparison)}
    for name, text in texts.items():
        atomic_write_text(out_dir / name, text)
    atomic_write_json(out_dir / "comparison.json", comparison)
    return [out_dir / name for name in FILE_NAMES] + write_plots(comparison, systems, out_dir / "plots")
