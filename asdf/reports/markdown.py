"""Markdown tables of evaluation results: overall metrics and one table per breakdown column."""

from __future__ import annotations

# the JSON beside the report keeps rates as fractions; these tables print EERs in %
MARKDOWN_CONVENTION = "higher score = more bona fide; EERs in %, DCFs and Cllr as plain numbers"
OVERALL_ROWS = [
    ("EER (%)", "eer", True), ("EER threshold", "eer_threshold", False),
    ("min t-DCF, ASVspoof 2019 legacy", "min_tdcf", False),
    ("min t-DCF, ASVspoof 2021 revised", "min_tdcf_revised", False),
    ("minDCF (ASVspoof 5)", "min_dcf", False), ("actDCF (ASVspoof 5, LLR threshold -ln 1.9)", "act_dcf", False),
    ("Cllr (bits)", "cllr", False), ("min Cllr (bits, PAV)", "min_cllr", False),
    ("min t-DCF, ASVspoof 5 default ASV rates", "min_tdcf_asvspoof5", False),
]


def format_number(value, percent: bool = False) -> str:
    """A number for a table: percent with 3 decimals, others with 6 significant digits; '-' when missing."""
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return f"{100 * value:.3f}" if percent else f"{value:.6g}"


def markdown_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """Markdown table lines."""
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + ["| " + " | ".join(row) + " |" for row in rows]


def overall_table(results: dict) -> list[str]:
    """The overall metrics as a two-column table; EER carries its bootstrap interval when present."""
    rows = [[label, format_number(results[key], percent)] for label, key, percent in OVERALL_ROWS if key in results]
    if "eer_ci" in results:
        ci = results["eer_ci"]
        rows.insert(1, [f"EER {100 * ci['confidence']:.0f} % CI (bootstrap, {ci['n_resamples']}, seed {ci['seed']})",
                        f"{format_number(ci['low'], True)} - {format_number(ci['high'], True)}"])
    counts = results["counts"]
    rows.append(["trials (bona fide / spoof)", f"{counts['bonafide']} / {counts['spoof']}"])
    excluded = results.get("excluded")
    if excluded is not None:
        rows.append(["trials excluded before scoring", f"{excluded['count']} (listed in {excluded['listed_in']})"])
    return markdown_table(["metric", "value"], rows)


def breakdown_table(column: str, groups: dict) -> list[str]:
    """One row per value of a breakdown column."""
    rows = [[value, str(group["n_bonafide"]), str(group["n_spoof"]), format_number(group["eer"], True),
             format_number(group["eer_threshold"]), format_number(group["min_dcf"])] for value, group in groups.items()]
    return markdown_table([column, "bona fide", "spoof", "EER (%)", "EER threshold", "minDCF"], rows)


def calibration_table(calibration: dict) -> list[str]:
    """actDCF and Cllr before and after calibration."""
    rows = [[name, format_number(calibration["before"][key]), format_number(calibration["after"][key])]
            for name, key in (("actDCF", "act_dcf"), ("Cllr (bits)", "cllr"))]
    return markdown_table(["metric", "raw scores", "calibrated LLRs"], rows)


def markdown_report(results: dict, name: str, header: str = "", plot_names: list[str] = ()) -> str:
    """The whole Markdown report: settings header, overall table, calibration, breakdowns, plots."""
    lines = [header.rstrip(), ""] if header.strip() else []
    lines += [f"# Evaluation: {name}", "", f"Scores: {MARKDOWN_CONVENTION}.", "", "## Overall", ""]
    lines += overall_table(results)
    if "calibration" in results:
        model = results["calibration"]["model"]
        lines += ["", f"## Calibration (llr = {model['scale']:.6g} x score {model['offset']:+.6g}, "
                      f"bona fide prior {model['prior']:.4g})", ""] + calibration_table(results["calibration"])
    for key, groups in results.items():
        if not key.startswith("per_"):
            continue
        column = key[len("per_"):]
        lines += ["", f"## Per {column}", "", "Each spoof group against all bona fide trials"
                  " (or its own, where bona fide trials carry the condition).", ""] + breakdown_table(column, groups)
    if plot_names:
        lines += ["", "## Plots", ""] + [f"![{plot}](plots/{plot})" for plot in plot_names]
    return "\n".join(lines) + "\n"
