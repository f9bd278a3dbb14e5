"""eval: score the chosen lists with the chosen checkpoints; EER, min t-DCF, per-attack results and plots."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from asdf.base import config_lang
from asdf.base.errors import DataError
from asdf.base.paths import OutputLayout
from asdf.compute import distributed
from asdf.compute.devices import compiled
from asdf.corpora import eval_list_names
from asdf.data.lists import read_table, read_utterance_list
from asdf.data.scorefiles import write_score_file
from asdf.inference.utterance_scoring import score_utterances
from asdf.models.model_files import load_trained_model
from asdf.reports import evaluate_trials, write_report
from asdf.runner.freshness import StageInputs, output_files
from asdf.runner.recipe import StageContext

logger = logging.getLogger(__name__)


def outputs(context: StageContext) -> list[Path]:
    """A score file and a results JSON per (list, checkpoint)."""
    layout, settings = context.layout, context.settings
    pairs = [(name, checkpoint) for name in eval_list_names(settings, context.project_root)
             for checkpoint in settings.eval.checkpoints]
    return [layout.scores(name, checkpoint) for name, checkpoint in pairs] + [
        layout.result_file(name, checkpoint) for name, checkpoint in pairs
    ]


def inputs(context: StageContext) -> StageInputs:
    """The lists, their ASV scores, the rejected files and the checkpoints scored, and the scoring settings."""
    layout, settings = context.layout, context.settings
    paths = [layout.rejected_list()]
    for name in eval_list_names(settings, context.project_root):
        paths += [layout.utterance_list(name), layout.asv_scores(name)]
    paths += [layout.checkpoint(checkpoint) for checkpoint in settings.eval.checkpoints]
    return StageInputs(("data.eval_lists", "data.sample_rate", "data.eval_samples", "eval", "computing.precision"),
                       output_files(layout.root, paths))


def run(context: StageContext) -> None:
    """For each checkpoint and list: scores/<list>.<checkpoint>.txt and results/<list>.<checkpoint>.{json,md}."""
    settings, layout = context.settings, context.layout
    ranks = distributed.start(settings.computing)
    device = distributed.device_of(settings.computing, ranks)
    for checkpoint in settings.eval.checkpoints:
        if not layout.checkpoint(checkpoint).is_file():
            raise DataError(f"{layout.checkpoint(checkpoint)} not found: run the train stage first, or name "
                            f"checkpoints that exist in eval.checkpoints")
        model = compiled(load_trained_model(layout.checkpoint(checkpoint), device), settings.computing)
        for list_name in eval_list_names(settings, context.project_root):
            trials = read_utterance_list(layout.utterance_list(list_name))
            label = f"eval {list_name} {checkpoint}"
            run = score_utterances(model, trials, settings, device, ranks, label)
            logger.info("%s (%s input): %s", label, settings.eval.input, run.throughput())
            if ranks.is_main:
                trials["score"] = run.scores
                write_results(context, trials, list_name, checkpoint)
    distributed.barrier(ranks)


def write_results(context: StageContext, trials: pd.DataFrame, list_name: str, checkpoint: str) -> None:
    """The score file, and the metrics report (t-DCF where sad-off kept the corpus' ASV scores)."""
    settings, layout = context.settings, context.layout
    write_score_file(layout.scores(list_name, checkpoint), trials, "asvspoof2019")
    asv_path = layout.asv_scores(list_name)
    asv_scores = read_table(asv_path, "sad-off").astype({"score": float}) if asv_path.is_file() else None
    results = evaluate_trials(trials, asv_scores)
    results["excluded"] = excluded_trials(layout, list_name)
    if results["excluded"]["count"]:
        logger.warning("eval %s: %d trial(s) excluded by sad-off are not in these results (reasons in %s)",
                       list_name, results["excluded"]["count"], layout.rejected_list())
    write_report(results, trials, layout.results_folder(), layout.result_name(list_name, checkpoint),
                 config_lang.format_settings(settings))
    logger.info("eval %s %s: EER %.2f%% min t-DCF %s", list_name, checkpoint, 100 * results["eer"],
                results.get("min_tdcf", "n/a (no ASV scores)"))


def excluded_trials(layout: OutputLayout, list_name: str) -> dict:
    """How many trials of a list sad-off excluded, by key, and their ids with the reason."""
    rejected_path = layout.rejected_list()
    rejected = read_table(rejected_path, "sad-off")
    mine = rejected[rejected["list"] == list_name]
    keys = mine["key"].value_counts().to_dict() if "key" in mine else {}
    trials = [{"utt_id": row.utt_id, "reason": row.reason} for row in mine.itertuples()]
    return {"count": len(mine), "by_key": {str(key): int(count) for key, count in keys.items()},
            "trials": trials, "listed_in": str(rejected_path.relative_to(layout.root))}
