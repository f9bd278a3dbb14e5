"""Report plots (PNG, Agg backend): DET on normal-deviate axes, score histograms, per-attack EER, ROC,
confusion matrix, scores by attack, and two systems' scores against each other."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from scipy.stats import norm

from asdf import metrics
from asdf.base.figures import plt, save_figure
from asdf.metrics.det import DetCurve

DET_TICKS_PERCENT = [0.1, 0.5, 1, 2, 5, 10, 20, 40, 60, 80, 90, 95, 99]
MAX_CURVE_POINTS = 4000  # plotted points per curve; DET curves of 1M trials are thinned
FIGURE_SIZE = (6.4, 5.2)


def _thinned(curve: DetCurve) -> tuple[np.ndarray, np.ndarray]:
    """False-alarm and miss rates of a curve, thinned evenly to at most MAX_CURVE_POINTS points."""
    step = max(1, curve.miss_rates.size // MAX_CURVE_POINTS)
    keep = np.unique(np.r_[np.arange(0, curve.miss_rates.size, step), curve.miss_rates.size - 1])
    return curve.false_alarm_rates[keep], curve.miss_rates[keep]


def _probit(rates: np.ndarray, n_trials: int) -> np.ndarray:
    """Normal deviates of rates, with 0 and 1 clipped to half a trial so they stay on the plot."""
    floor = 0.5 / n_trials
    return norm.ppf(np.clip(rates, floor, 1 - floor))


def plot_det(bonafide: np.ndarray, spoof: np.ndarray, path: Path, title: str) -> Path:
    """DET curve (spoof accepted vs bona fide rejected) on normal-deviate axes, EER point marked."""
    curve, eer = metrics.det_curve(bonafide, spoof), metrics.compute_eer(bonafide, spoof)
    n_trials = max(bonafide.size, spoof.size)
    false_alarms, misses = _thinned(curve)
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    axes.plot(_probit(false_alarms, n_trials), _probit(misses, n_trials), color="tab:blue", label="countermeasure")
    eer_deviate = _probit(np.array([eer.eer]), n_trials)[0]
    axes.plot(eer_deviate, eer_deviate, "o", color="tab:red", label=f"EER = {100 * eer.eer:.2f} %")
    limits = _probit(np.array([0.0005, 0.99]), n_trials)
    axes.plot(limits, limits, ":", color="grey", linewidth=0.8, label="EER line (miss = false alarm)")
    ticks = norm.ppf(np.array(DET_TICKS_PERCENT) / 100)
    labels = [f"{tick:g}" for tick in DET_TICKS_PERCENT]
    axes.set_xticks(ticks, labels)
    axes.set_yticks(ticks, labels)
    axes.set_xlim(*limits)
    axes.set_ylim(*limits)
    axes.set_xlabel("spoof accepted, false alarm rate (%)")
    axes.set_ylabel("bona fide rejected, miss rate (%)")
    axes.set_title(f"DET curve: {title}")
    axes.grid(True, linewidth=0.4, alpha=0.6)
    axes.legend(loc="upper right")
    return save_figure(figure, path)


def plot_score_histograms(bonafide: np.ndarray, spoof: np.ndarray, threshold: float, path: Path, title: str) -> Path:
    """Bona fide and spoof score densities on shared bins, with the EER threshold."""
    low, high = np.percentile(np.concatenate((bonafide, spoof)), [0.1, 99.9])
    bins = np.linspace(low, high, 80) if high > low else 20
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    axes.hist(spoof, bins=bins, density=True, alpha=0.55, color="tab:red", label=f"spoof ({spoof.size})")
    axes.hist(bonafide, bins=bins, density=True, alpha=0.55, color="tab:green", label=f"bona fide ({bonafide.size})")
    axes.axvline(threshold, color="black", linestyle="--", label=f"EER threshold = {threshold:.3g}")
    axes.set_xlabel("score (higher = more bona fide)")
    axes.set_ylabel("density")
    axes.set_title(f"Score distributions: {title}")
    axes.legend()
    return save_figure(figure, path)


def plot_attack_eers(attack_results: dict, pooled_eer: float, path: Path, title: str) -> Path:
    """Bar chart of EER per attack (each against all bona fide), with the pooled EER as a line."""
    attacks = list(attack_results)
    eers = [100 * attack_results[attack]["eer"] for attack in attacks]
    figure, axes = plt.subplots(figsize=(max(FIGURE_SIZE[0], 0.45 * len(attacks) + 2), FIGURE_SIZE[1]))
    bars = axes.bar(attacks, eers, color="tab:blue", label="EER per attack")
    axes.bar_label(bars, labels=[f"{eer:.2f}" for eer in eers], fontsize=8, padding=2)
    axes.axhline(100 * pooled_eer, color="tab:red", linestyle="--", label=f"pooled EER = {100 * pooled_eer:.2f} %")
    axes.set_xlabel("attack (spoofing system)")
    axes.set_ylabel("EER (%)")
    axes.set_ylim(0, max(eers + [100 * pooled_eer]) * 1.18 + 0.1)
    axes.set_title(f"EER per attack: {title}")
    axes.tick_params(axis="x", labelrotation=45 if len(attacks) > 8 else 0)
    axes.legend()
    return save_figure(figure, path)


def plot_roc(bonafide: np.ndarray, spoof: np.ndarray, path: Path, title: str) -> Path:
    """ROC: bona fide accepted vs spoof accepted, with the EER point and the area under the curve."""
    curve, eer = metrics.det_curve(bonafide, spoof), metrics.compute_eer(bonafide, spoof)
    false_alarms, misses = _thinned(curve)
    area = float(np.trapezoid(1 - curve.miss_rates[::-1], curve.false_alarm_rates[::-1]))
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    axes.plot(false_alarms, 1 - misses, color="tab:blue", label=f"countermeasure (AUC = {area:.4f})")
    axes.plot([0, 1], [0, 1], ":", color="grey", label="chance")
    axes.plot(eer.eer, 1 - eer.eer, "o", color="tab:red", label=f"EER = {100 * eer.eer:.2f} %")
    axes.set_xlabel("spoof accepted, false alarm rate")
    axes.set_ylabel("bona fide accepted, 1 - miss rate")
    axes.set_xlim(0, 1)
    axes.set_ylim(0, 1.01)
    axes.set_title(f"ROC: {title}")
    axes.legend(loc="lower right")
    return save_figure(figure, path)


def plot_confusion_matrix(bonafide: np.ndarray, spoof: np.ndarray, threshold: float, threshold_name: str,
                          path: Path, title: str) -> Path:
    """2x2 counts (true class x decision) at a threshold, each cell with its share of the true class."""
    miss, false_alarm = metrics.rates_at_threshold(bonafide, spoof, threshold)
    shares = np.array([[1 - miss, miss], [false_alarm, 1 - false_alarm]])
    counts = np.rint(shares * np.array([[bonafide.size], [spoof.size]])).astype(int)
    figure, axes = plt.subplots(figsize=(4.8, 4.2))
    axes.imshow(shares, cmap="Blues", vmin=0, vmax=1)
    for row in range(2):
        for column in range(2):
            axes.text(column, row, f"{counts[row, column]}\n{100 * shares[row, column]:.1f} %", ha="center",
                      va="center", color="white" if shares[row, column] > 0.6 else "black")
    axes.set_xticks([0, 1], ["bona fide", "spoof"])
    axes.set_yticks([0, 1], ["bona fide", "spoof"])
    axes.set_xlabel(f"decision\n(bona fide when score > {threshold:.4g}, {threshold_name})")
    axes.set_ylabel("true class")
    axes.set_title(f"Confusion matrix: {title}")
    return save_figure(figure, path)


def plot_scores_by_attack(scores_by_group: dict[str, np.ndarray], threshold: float, path: Path, title: str) -> Path:
    """Box plot of the scores of each group (bona fide and each attack), with the decision threshold."""
    names = list(scores_by_group)
    figure, axes = plt.subplots(figsize=(max(FIGURE_SIZE[0], 0.45 * len(names) + 2), FIGURE_SIZE[1]))
    axes.boxplot([scores_by_group[name] for name in names], showfliers=True, flierprops={"markersize": 2})
    axes.set_xticks(np.arange(1, len(names) + 1), names)
    axes.axhline(threshold, color="black", linestyle="--", label=f"threshold = {threshold:.3g}")
    axes.set_xlabel("bona fide and attacks (spoofing systems)")
    axes.set_ylabel("score (higher = more bona fide)")
    axes.set_title(f"Scores by attack: {title}")
    axes.tick_params(axis="x", labelrotation=45 if len(names) > 6 else 0)
    axes.legend(loc="best")
    return save_figure(figure, path)


def plot_score_scatter(first: np.ndarray, second: np.ndarray, is_bonafide: np.ndarray, names: tuple[str, str],
                       thresholds: tuple[float, float], path: Path, title: str) -> Path:
    """Scores of two systems on the same trials, one point per trial, with each system's threshold."""
    figure, axes = plt.subplots(figsize=FIGURE_SIZE)
    axes.scatter(first[~is_bonafide], second[~is_bonafide], s=6, alpha=0.5, color="tab:red",
                 label=f"spoof ({np.count_nonzero(~is_bonafide)})")
    axes.scatter(first[is_bonafide], second[is_bonafide], s=6, alpha=0.7, color="tab:green",
                 label=f"bona fide ({np.count_nonzero(is_bonafide)})")
    axes.axvline(thresholds[0], color="grey", linestyle="--", linewidth=0.8)
    axes.axhline(thresholds[1], color="grey", linestyle="--", linewidth=0.8, label="thresholds")
    axes.set_xlabel(f"{names[0]} score")
    axes.set_ylabel(f"{names[1]} score")
    axes.set_title(f"Scores of two systems: {title}")
    axes.legend(loc="best")
    return save_figure(figure, path)
