"""score: final score files in the ASVspoof formats and one results table headed by the settings used."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from asdf.base.errors import DataError
from asdf.base.fileio import atomic_write_json, atomic_write_text
from asdf.corpora import eval_list_names
from asdf.data.scorefiles import read_score_file, write_score_file
from asdf.runner.freshness import StageInputs, output_files, read_record
from asdf.runner.recipe import StageContext

logger = logging.getLogger(__name__)

SCORE_MEANING = "score = bona fide logit of the countermeasure: higher means more likely bona fide (real) speech"
EXCLUDED_MEANING = "excluded: trials of the list that sad-off could not use (listed with the reason in lists/rejected.tsv)"
FORMATS = ("asvspoof2019", "asvspoof2021")


def outputs(context: StageContext) -> list[Path]:
    """The results table in text and JSON."""
    return [context.layout.final_results("txt"), context.layout.final_results("json")]


def inputs(context: StageContext) -> StageInputs:
    """The score files and results that eval wrote, and the settings that choose them."""
    layout = context.layout
    paths = []
    for list_name, checkpoint in _pairs(context):
        paths += [layout.scores(list_name, checkpoint), layout.result_file(list_name, checkpoint)]
    paths += [layout.stage_record("train"), layout.stage_record("eval")]  # the settings printed with the results
    return StageInputs(("data.eval_lists", "eval.checkpoints"), output_files(layout.root, paths))


def _pairs(context: StageContext) -> list[tuple[str, str]]:
    """(list, checkpoint) pairs that eval scored."""
    settings = context.settings
    return [(name, checkpoint) for checkpoint in settings.eval.checkpoints
            for name in eval_list_names(settings, context.project_root)]


def run(context: StageContext) -> None:
    """Write final/<list>.<checkpoint>.<format>.txt and final/results.{txt,json}."""
    layout, settings = context.layout, context.settings
    rows = []
    for list_name, checkpoint in _pairs(context):
        results_path = layout.result_file(list_name, checkpoint)
        for needed in (layout.scores(list_name, checkpoint), results_path):
            if not needed.is_file():
                raise DataError(f"{needed} not found: run the eval stage first (with the same data.eval_lists "
                                "and eval.checkpoints)")
        trials = read_score_file(layout.scores(list_name, checkpoint), "asvspoof2019")
        for score_format in FORMATS:
            write_score_file(layout.final_scores(list_name, checkpoint, score_format), trials, score_format)
        rows.append({"list": list_name, "checkpoint": checkpoint,
                     **json.loads(results_path.read_text(encoding="utf-8"))})
    sources = result_sources(context)
    atomic_write_json(layout.final_results("json"),
                      {"settings": sources, "score_meaning": SCORE_MEANING, "results": rows})
    table = results_table(rows)
    settings_lines = "\n".join(f"{key} = {value!r}" for group in sources.values() for key, value in group.items())
    text = (f"{table}\n\n# {SCORE_MEANING}\n# {EXCLUDED_MEANING}\n\n"
            f"# the settings these results come from (records/train.json, records/eval.json)\n{settings_lines}\n")
    atomic_write_text(layout.final_results("txt"), text)
    logger.info("score: results\n%s", table)


def result_sources(context: StageContext) -> dict[str, dict]:
    """The settings recorded by the train and eval stages that made the scores (a stage without a record, such
    as train for a checkpoint copied in by hand, is left out)."""
    sources = {}
    for stage in ("train", "eval"):
        record = read_record(context.layout.stage_record(stage))
        if record is not None:
            sources[stage] = record["settings"]
    return sources


def results_table(rows: list[dict]) -> str:
    """A fixed-width table: one line per (list, checkpoint) with EER, min t-DCF and per-attack EERs."""
    attacks = sorted({attack for row in rows for attack in row.get("per_attack", {})})
    header = ["list", "checkpoint", "trials", "excluded", "EER%", "min-tDCF", *[f"{attack}%" for attack in attacks]]
    lines = [header]
    for row in rows:
        min_tdcf = row.get("min_tdcf")
        per_attack = row.get("per_attack", {})
        excluded = row.get("excluded", {}).get("count")
        lines.append([
            row["list"], row["checkpoint"], str(row["counts"]["total"]), "-" if excluded is None else str(excluded),
            f"{100 * row['eer']:.2f}",
            "-" if min_tdcf is None else f"{min_tdcf:.4f}",
            *[f"{100 * per_attack[attack]['eer']:.2f}" if attack in per_attack else "-" for attack in attacks],
        ])
    widths = [max(len(line[column]) for line in lines) for column in range(len(header))]
    return "\n".join("  ".join(cell.rjust(width) for cell, width in zip(line, widths)) for line in lines)
