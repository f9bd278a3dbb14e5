"""Error bars over training seeds: the results of sibling systems `<system>-seed<N>` summarised per metric.

For each (list, checkpoint) and metric (EER, min t-DCF, each attack's EER) the summary gives the mean, the
sample standard deviation (n - 1), the best and worst value with the seed they came from, and N. Lower is better
for every metric here. Rates stay fractions in JSON and CSV, as in final/results.json; Markdown prints EERs in %.
"""

from __future__ import annotations

import csv
import io
import json
import logging
import math
import statistics
from pathlib import Path

from asdf.base.errors import DataError
from asdf.base.fileio import atomic_write_json, atomic_write_text

logger = logging.getLogger(__name__)

OVERALL = "all"  # the `attack` of a metric over all trials of a list
CSV_COLUMNS = ("list", "checkpoint", "metric", "attack", "n", "mean", "std", "best", "best_seed", "worst",
               "worst_seed")


def metric_values(row: dict) -> dict[tuple[str, str], float]:
    """{(metric, attack): value} of one row of final/results.json; missing and non-finite values are left out."""
    values = {("eer", OVERALL): row.get("eer"), ("min_tdcf", OVERALL): row.get("min_tdcf")}
    values.update({("eer", attack): group.get("eer") for attack, group in row.get("per_attack", {}).items()})
    # results.json writes a NaN EER (a list without one of the classes) as the string 'nan'
    return {key: float(value) for key, value in values.items()
            if isinstance(value, (int, float)) and math.isfinite(value)}


def summarise(results: dict[int, list[dict]]) -> list[dict]:
    """One summary row per (list, checkpoint, metric, attack) from {seed: rows of its final/results.json}."""
    collected: dict[tuple, dict[int, float]] = {}
    for seed, rows in results.items():
        for row in rows:
            for (metric, attack), value in metric_values(row).items():
                collected.setdefault((row["list"], row["checkpoint"], metric, attack), {})[seed] = value
    summary = []
    for (list_name, checkpoint, metric, attack), by_seed in collected.items():
        values = list(by_seed.values())
        # on ties the seed listed first in recipe.seeds counts as best and as worst
        best_seed = min(by_seed, key=by_seed.get)
        worst_seed = max(by_seed, key=by_seed.get)
        summary.append({
            "list": list_name, "checkpoint": checkpoint, "metric": metric, "attack": attack, "n": len(values),
            "mean": statistics.fmean(values), "std": statistics.stdev(values) if len(values) > 1 else None,
            "best": by_seed[best_seed], "best_seed": best_seed, "worst": by_seed[worst_seed],
            "worst_seed": worst_seed, "values": {str(seed): value for seed, value in by_seed.items()},
        })
    return summary


def _metric_label(row: dict) -> str:
    """'EER %', 'min t-DCF' or 'EER % <attack>'."""
    label = "EER %" if row["metric"] == "eer" else "min t-DCF"
    return label if row["attack"] == OVERALL else f"{label} {row['attack']}"


def _number(value: float | None, metric: str) -> str:
    """EERs in % with 2 decimals, t-DCFs with 4, as the score stage's results table; '-' for none."""
    if value is None:
        return "-"
    return f"{100 * value:.2f}" if metric == "eer" else f"{value:.4f}"


def summary_markdown(summary: list[dict], seeds: list[int]) -> str:
    """The summary as a Markdown table, one line per (list, checkpoint, metric)."""
    lines = [f"Seeds {', '.join(map(str, seeds))}: mean, sample standard deviation, best and worst (seed).", "",
             "| list | checkpoint | metric | N | mean | std | best (seed) | worst (seed) |",
             "|---|---|---|---|---|---|---|---|"]
    for row in summary:
        metric = row["metric"]
        lines.append(f"| {row['list']} | {row['checkpoint']} | {_metric_label(row)} | {row['n']} | "
                     f"{_number(row['mean'], metric)} | {_number(row['std'], metric)} | "
                     f"{_number(row['best'], metric)} ({row['best_seed']}) | "
                     f"{_number(row['worst'], metric)} ({row['worst_seed']}) |")
    return "\n".join(lines) + "\n"


def summary_csv(summary: list[dict]) -> str:
    """The summary as CSV with the columns of CSV_COLUMNS (rates as fractions, std empty when N is 1)."""
    text = io.StringIO()
    writer = csv.DictWriter(text, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    writer.writerows({**row, "std": "" if row["std"] is None else row["std"]} for row in summary)
    return text.getvalue()


def read_results(path: Path) -> list[dict]:
    """The result rows of a final/results.json written by the score stage."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))["results"]
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise DataError(f"cannot read the results {path}: {error}") from None


def write_seed_summary(folder: Path, results_files: dict[int, Path]) -> None:
    """Write summary.{json,md,csv} in `folder` from {seed: its final/results.json} and log the table; when a
    seed has no results yet, say which and write nothing."""
    missing = [str(path) for path in results_files.values() if not path.is_file()]
    if missing:
        logger.info("seeds: no summary in %s yet: %s not found (run the score stage)", folder, ", ".join(missing))
        return
    seeds = list(results_files)
    summary = summarise({seed: read_results(path) for seed, path in results_files.items()})
    markdown = summary_markdown(summary, seeds)
    atomic_write_json(folder / "summary.json", {
        "seeds": seeds, "results": {str(seed): str(path) for seed, path in results_files.items()},
        "meaning": "rates as fractions, lower is better; std: sample standard deviation (n - 1), null when n is 1",
        "summary": summary,
    })
    atomic_write_text(folder / "summary.md", markdown)
    atomic_write_text(folder / "summary.csv", summary_csv(summary))
    logger.info("seeds: summary of %d seeds in %s\n%s", len(seeds), folder, markdown)
