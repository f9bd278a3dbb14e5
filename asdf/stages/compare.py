"""compare: the eval scores of one or several systems side by side on every eval list, with one pooled threshold."""

from __future__ import annotations

import logging
from pathlib import Path

from asdf.base.errors import DataError
from asdf.base.paths import OutputLayout, resolve
from asdf.corpora import eval_list_names
from asdf.data.lists import read_table, read_utterance_list
from asdf.data.scorefiles import join_scores, read_score_file
from asdf.reports.compare import FILE_NAMES, ScoredSet, SystemScores, compare_systems, write_comparison
from asdf.runner.freshness import StageInputs
from asdf.runner.recipe import StageContext

logger = logging.getLogger(__name__)


def system_names(context: StageContext) -> list[str]:
    """The systems compared: `compare.systems`, or the recipe's own system."""
    return list(context.settings.compare.systems) or [context.settings.recipe.system]


def _layout(context: StageContext, system: str) -> OutputLayout:
    """The output layout of another system under the same output folder."""
    return OutputLayout.for_system(context.project_root, context.settings.paths, system)


def compare_folder(context: StageContext) -> Path:
    """<output>/<compare.name or the first system>/compare/."""
    return _layout(context, context.settings.compare.name or system_names(context)[0]).compare_folder()


def outputs(context: StageContext) -> list[Path]:
    """The comparison in Markdown, CSV, LaTeX and JSON, and the per-condition CSV."""
    return [compare_folder(context) / name for name in FILE_NAMES]


def _input_files(context: StageContext) -> dict[str, Path]:
    """Each system's score file, utterance list and ASV scores (where present) of each eval list."""
    output_folder = resolve(context.project_root, context.settings.paths.output_folder)
    checkpoint = context.settings.compare.checkpoint
    files = {}
    for system in system_names(context):
        layout = _layout(context, system)
        for name in eval_list_names(context.settings, context.project_root):
            for path in (layout.scores(name, checkpoint), layout.utterance_list(name), layout.asv_scores(name)):
                files[str(path.relative_to(output_folder))] = path
    return files


def inputs(context: StageContext) -> StageInputs:
    """The systems' eval scores and lists, and the compare settings."""
    return StageInputs(("data.eval_lists", "compare"), _input_files(context))


def read_system(context: StageContext, system: str) -> SystemScores:
    """A system's eval scores of each list, joined to its list so that attack and condition columns come along."""
    layout, settings = _layout(context, system), context.settings
    names = eval_list_names(settings, context.project_root)
    if not names:
        raise DataError("compare: no eval list to compare (data.eval_lists is empty or every corpus is left out)")
    sets = {}
    for name in names:
        scores_path = layout.scores(name, settings.compare.checkpoint)
        if not scores_path.is_file():
            raise DataError(f"{scores_path} not found: run the eval stage of system {system} on list {name} "
                            f"with checkpoint {settings.compare.checkpoint} first (compare.checkpoint)")
        utterances = read_utterance_list(layout.utterance_list(name)).drop(columns=["path", "num_samples"])
        trials = join_scores(read_score_file(scores_path, "asvspoof2019"), utterances, source=str(scores_path))
        asv_path = layout.asv_scores(name)
        asv_scores = read_table(asv_path, "sad-off").astype({"score": float}) if asv_path.is_file() else None
        sets[name] = ScoredSet(trials, asv_scores)
    return SystemScores(system, sets, calibrated=system in settings.compare.calibrated)


def run(context: StageContext) -> None:
    """Write the comparison under compare_folder(): comparison.{md,csv,tex,json}, breakdown.csv, plots/."""
    settings = context.settings.compare
    systems = [read_system(context, system) for system in system_names(context)]
    comparison = compare_systems(systems, settings.conditions, bootstrap=settings.bootstrap)
    for path in write_comparison(comparison, systems, compare_folder(context)):
        logger.info("compare: wrote %s", path)
    for name, system in comparison["systems"].items():
        eers = ", ".join(f"{set_name} {100 * results['eer']:.2f}%" for set_name, results in system["sets"].items())
        logger.info("compare: %s: EER %s; pooled EER %.2f%%", name, eers, 100 * system["pooled"]["eer"])
