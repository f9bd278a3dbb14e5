"""Per-file picture of `asdf score`: waveform, spectrogram and the per-window scores against the threshold."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from asdf.base.figures import plt, save_figure
from asdf.inference.file_records import DECISION_LABELS
from asdf.inference.overview import Overview

FIGURE_SIZE = (10, 7.2)
CHANNEL_COLOURS = ["tab:blue", "tab:orange", "tab:purple", "tab:brown", "tab:pink", "tab:olive"]


def plot_timeline(records: list[dict], overview: Overview, path: Path) -> Path:
    """Three stacked panels on one time axis; `records` are one file's (one per channel when split)."""
    figure, (wave_axes, spec_axes, score_axes) = plt.subplots(
        3, 1, figsize=FIGURE_SIZE, sharex=True, gridspec_kw={"height_ratios": [1, 1.3, 1.5]})
    duration = records[0]["duration_s"]
    _plot_waveform(wave_axes, overview)
    _plot_spectrogram(spec_axes, overview)
    for index, record in enumerate(records):
        _plot_scores(score_axes, record, CHANNEL_COLOURS[index % len(CHANNEL_COLOURS)])
    _decorate_scores(score_axes, records[0])
    score_axes.set_xlim(0, duration)
    score_axes.set_xlabel("time (s)")
    figure.suptitle(_title(records), fontsize=11)
    return save_figure(figure, path)


def _title(records: list[dict]) -> str:
    first = records[0]
    verdicts = ", ".join(_channel_prefix(r) + f"{DECISION_LABELS[r['decision']]} ({r['score']:+.2f})" for r in records)
    return (f"{Path(first['path']).name}: {verdicts}\n{first['model']}, {first['aggregation']} of "
            f"{len(first['window_scores'])} window(s), {first['score_type']} > {first['threshold']:.3g} = bona fide")


def _channel_prefix(record: dict) -> str:
    return "" if record["channel"] is None else f"channel {record['channel']}: "


def _plot_waveform(axes, overview: Overview) -> None:
    columns, segment = overview.envelope.finish()
    times = np.arange(columns.shape[0]) * segment / overview.sample_rate
    axes.fill_between(times, columns[:, 0], columns[:, 1], color="tab:grey", linewidth=0.3, step="post")
    peak = max(float(np.abs(columns).max()), 1e-6)
    axes.set_ylim(-1.05 * peak, 1.05 * peak)
    axes.set_ylabel("amplitude")
    axes.set_title("waveform (mixed down, 16 kHz)", fontsize=9, loc="left")


def _plot_spectrogram(axes, overview: Overview) -> None:
    power, segment = overview.spectrum.finish()
    decibels = 10 * np.log10(np.maximum(power.T, 1e-10))
    top = float(decibels.max()) if decibels.size else 0.0
    extent = (0, power.shape[0] * segment / overview.sample_rate, 0, overview.sample_rate / 2000)
    axes.imshow(decibels, origin="lower", aspect="auto", extent=extent, cmap="magma", vmin=top - 80, vmax=top,
                interpolation="nearest")
    axes.set_ylabel("frequency (kHz)")
    axes.set_title("spectrogram (dB, 80 dB range)", fontsize=9, loc="left")


def _plot_scores(axes, record: dict, colour: str) -> None:
    starts = np.asarray(record["window_starts_s"])
    ends = np.minimum(starts + record["window_s"], record["duration_s"])  # a tiled short file: its own length
    scores = np.asarray(record["window_scores"])
    label = "window score" if record["channel"] is None else f"channel {record['channel']}"
    axes.hlines(scores, starts, ends, colors=colour, linewidth=2.2, alpha=0.75, label=label)
    axes.plot((starts + ends) / 2, scores, "o", color=colour, markersize=3)
    axes.axhline(record["score"], color=colour, linestyle=":", linewidth=1.2,
                 label=f"file score ({record['aggregation']}) {record['score']:+.2f}")


def _decorate_scores(axes, record: dict) -> None:
    threshold = record["threshold"]
    axes.axhline(threshold, color="black", linestyle="--", linewidth=1, label=f"threshold {threshold:.3g}")
    low, high = axes.get_ylim()
    low, high = min(low, threshold), max(high, threshold)
    margin = 0.25 * max(high - low, 1.0)  # room for the legend above the highest line
    low, high = low - 0.4 * margin, high + margin
    axes.axhspan(threshold, high, color="tab:green", alpha=0.08)
    axes.axhspan(low, threshold, color="tab:red", alpha=0.08)
    axes.set_ylim(low, high)
    axes.set_ylabel(f"{record['score_type']}\n(higher = bona fide)")
    axes.set_title("per-window scores: green band = bona fide, red band = spoof", fontsize=9, loc="left")
    axes.legend(loc="upper right", fontsize=8, ncol=3)
