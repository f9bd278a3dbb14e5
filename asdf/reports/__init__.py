"""Evaluation reports: metrics of a trial table written as JSON, a Markdown table and PNG plots;
comparisons across systems and corpora; summaries over seeds. May import: `asdf.base`, `asdf.metrics`."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from asdf.base.fileio import atomic_write_json, atomic_write_text
from asdf.reports.evaluate import class_scores, evaluate_trials, scores_by_attack
from asdf.reports.markdown import markdown_report
from asdf.reports.plots import (
    plot_attack_eers,
    plot_confusion_matrix,
    plot_det,
    plot_roc,
    plot_score_histograms,
    plot_scores_by_attack,
)

__all__ = ["evaluate_trials", "write_report", "write_plots"]


def write_plots(results: dict, trials: pd.DataFrame, plot_dir: Path, name: str) -> list[Path]:
    """The report plots for `trials` under `plot_dir`: DET, histograms, ROC and the confusion matrix at the EER
    threshold; per-attack bars with a breakdown, score boxes by attack where the trials name attacks."""
    plot_dir.mkdir(parents=True, exist_ok=True)
    bonafide, spoof = class_scores(trials)
    paths = [
        plot_det(bonafide, spoof, plot_dir / f"{name}_det.png", name),
        plot_score_histograms(bonafide, spoof, results["eer_threshold"], plot_dir / f"{name}_scores.png", name),
        plot_roc(bonafide, spoof, plot_dir / f"{name}_roc.png", name),
        plot_confusion_matrix(bonafide, spoof, results["eer_threshold"], "EER threshold",
                              plot_dir / f"{name}_confusion.png", name),
    ]
    if "attack" in trials:
        paths.append(plot_scores_by_attack(scores_by_attack(trials), results["eer_threshold"],
                                           plot_dir / f"{name}_attack_scores.png", name))
    attacks = results.get("per_attack")
    if attacks:
        paths.insert(2, plot_attack_eers(attacks, results["eer"], plot_dir / f"{name}_attack_eer.png", name))
    return paths


def write_report(results: dict, trials: pd.DataFrame, out_dir, name: str, header: str = "") -> list[Path]:
    """Write `<name>.json`, `<name>.md` and the plots under `out_dir/plots/`; return the paths written."""
    out_dir = Path(out_dir)
    plots = write_plots(results, trials, out_dir / "plots", name)
    json_path, markdown_path = out_dir / f"{name}.json", out_dir / f"{name}.md"
    atomic_write_json(json_path, {"settings": header, **results} if header else results)
    atomic_write_text(markdown_path, markdown_report(results, name, header, [plot.name for plot in plots]))
    return [json_path, markdown_path, *plots]
