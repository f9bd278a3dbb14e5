"""Recipe runner: run configs name stages; each stage reads and writes files in the system's output folder.

`run.py sad-off train eval score key=value` applies, for each run config in turn, fresh defaults, the
init config, the run config's inheritance chain and the overrides, then runs the stages it names. A stage
whose outputs exist is skipped unless forced; after each stage the command that resumes is printed.
"""

from __future__ import annotations

import copy
import itertools
import logging
import os
import shlex
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from asdf.base import config_lang
from asdf.base.errors import ConfigError, OutputError
from asdf.base.fileio import atomic_write_text, cannot_write, ensure_folder
from asdf.base.logs import log_to_file
from asdf.base.paths import OutputLayout
from asdf.base.settings import Settings
from asdf.compute import distributed
from asdf.reports.seeds import write_seed_summary
from asdf.runner import freshness
from asdf.runner.freshness import StageInputs
from asdf.runner.settings_checks import validate_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageContext:
    """What a stage function receives: the settings, its output layout and the project root."""

    settings: Settings
    layout: OutputLayout
    project_root: Path


@dataclass(frozen=True)
class Stage:
    """A named step: `run` writes files; `outputs` lists the files whose existence means it is done; `inputs`
    says what it consumes (settings and files), so that it reruns when they change."""

    name: str
    help: str
    run: Callable[[StageContext], None]
    outputs: Callable[[StageContext], list[Path]]
    inputs: Callable[[StageContext], StageInputs]
    # earlier work that a run with the same inputs continues and a run with other inputs must not mix with:
    # it is moved to previous/<stage>-<time>/ instead (train's checkpoints)
    resumable_work: Callable[[StageContext], list[Path]] = lambda context: []
    # checks of its settings that can fail before any stage of the command runs (e.g. an unusable checkpoint)
    check: Callable[[StageContext], None] = lambda context: None


@dataclass(frozen=True)
class Recipe:
    """A recipe: its stages in order, its run configs and the shared init config."""

    name: str
    script: str  # how users call it, for help and resume hints
    stages: tuple[Stage, ...]
    run_configs: Path
    init_config: Path
    project_root: Path

    @classmethod
    def beside(cls, script: Path, stages: tuple[Stage, ...]) -> Recipe:
        """The recipe of `recipes/<name>/run.py`: run configs beside it, the project's shared init config."""
        script = script.resolve()
        project_root = script.parents[2]
        return cls(name=script.parent.name, script=str(script.relative_to(project_root)), stages=stages,
                   run_configs=script.with_name("run_configs.py"),
                   init_config=project_root / "configs" / "init_config.py", project_root=project_root)

    def stage(self, name: str) -> Stage:
        """The stage called `name`."""
        for stage in self.stages:
            if stage.name == name:
                return stage
        raise ConfigError(f"unknown stage {name!r}; stages: {', '.join(s.name for s in self.stages)}")


def own_model(recipe: Recipe) -> str:
    """The model a recipe is named after: the one its `train` run config trains (the default model without one)."""
    configs = config_lang.parse_run_config_file(recipe.run_configs)
    settings = Settings()
    chain = config_lang.resolve_chain("train", configs) if "train" in configs else []
    for block in chain:
        config_lang.apply_assignments(settings, block.assignments)
    return settings.model.name


def default_system(recipe: Recipe, model_name: str) -> str:
    """recipe.system when none is set: the recipe's name for its own model, else <recipe>-<model>, so that two
    models never write into one folder."""
    return recipe.name if model_name == own_model(recipe) else f"{recipe.name}-{model_name}"


def _apply_init_config(recipe: Recipe, settings: Settings) -> None:
    """Set what the init config (machine settings: paths, GPUs, workers) assigns."""
    config_lang.apply_assignments(settings, config_lang.parse_assignment_file(recipe.init_config))


def _set_default_system(recipe: Recipe, settings: Settings) -> None:
    """Set recipe.system by default_system where nothing set it."""
    settings.recipe.system = settings.recipe.system or default_system(recipe, settings.model.name)


def machine_settings(recipe: Recipe, overrides: Sequence[config_lang.Assignment] = ()) -> Settings:
    """The settings before any run config (`run.py status` without one): the defaults with the recipe's own
    model, the init config and `overrides`; recipe.system by the same rule as build_settings."""
    settings = Settings()
    settings.model.name = own_model(recipe)
    _apply_init_config(recipe, settings)
    config_lang.apply_assignments(settings, overrides)
    _set_default_system(recipe, settings)
    return settings


def build_settings(recipe: Recipe, run_config: str, overrides: list[config_lang.Assignment]) -> Settings:
    """Defaults, then the init config, the run config's chain and the command-line overrides; recipe.system
    derived from the model where none of them set it."""
    configs = config_lang.parse_run_config_file(recipe.run_configs)
    settings = Settings()
    _apply_init_config(recipe, settings)
    for block in config_lang.resolve_chain(run_config, configs):
        if block.name in {stage.name for stage in recipe.stages}:
            settings.recipe.stages = [block.name]  # a block named after a stage runs that stage
        config_lang.apply_assignments(settings, block.assignments)
    config_lang.apply_assignments(settings, overrides)
    _set_default_system(recipe, settings)
    for stage_name in settings.recipe.stages:
        recipe.stage(stage_name)
    if not settings.recipe.stages:
        raise ConfigError(f"run config {run_config!r} names no stage: set recipe.stages")
    validate_settings(settings)
    return settings


@dataclass(frozen=True)
class StagePlan:
    """Whether a stage runs, why, and what it consumes now."""

    record: dict
    skip: bool
    resume: bool  # earlier work of the same inputs exists and is continued
    reason: str  # why it runs; '' for a first run


def plan_stage(stage: Stage, context: StageContext) -> StagePlan:
    """Compare what the stage would consume now with the record of its existing outputs."""
    layout, force = context.layout, context.settings.recipe.force
    saved = freshness.read_record(layout.stage_record(stage.name))
    record = freshness.current_record(stage.inputs(context), context.settings, saved)
    outputs = stage.outputs(context)
    outputs_exist = bool(outputs) and all(path.exists() for path in outputs)
    changes = freshness.differences(saved, record) if saved is not None else []
    same = saved is not None and not changes
    if outputs_exist and same and saved.get("complete") and not force:
        return StagePlan(record, skip=True, resume=False, reason="")
    earlier_work = outputs_exist or any(_holds_work(path) for path in stage.resumable_work(context))
    if force:
        reason = "forced (--force)" + ("; its inputs changed: " + "; ".join(changes) if changes else "")
    elif changes:
        reason = "its inputs changed: " + "; ".join(changes)
    elif saved is None and earlier_work:
        reason = "its existing outputs have no record of the inputs they were made from"
    elif same and not saved.get("complete"):
        reason = "continuing an unfinished run with the same inputs"
    elif same:
        reason = "some of its outputs are missing"
    else:
        reason = ""
    return StagePlan(record, skip=False, resume=same and not force, reason=reason)


def set_aside(stage: Stage, context: StageContext) -> Path | None:
    """Move the stage's earlier work, its settings and record to previous/<stage>-<time>/; None if there was none."""
    layout = context.layout
    if not any(_holds_work(path) for path in stage.resumable_work(context)):
        return None
    work = [*stage.resumable_work(context), layout.stage_config(stage.name), layout.stage_record(stage.name)]
    existing = [path for path in work if _holds_work(path)]
    stamp = time.strftime("%Y%m%d-%H%M%S")
    folder, number = layout.set_aside_folder(stage.name, stamp), 1
    while folder.exists():  # two fresh starts within a second
        number += 1
        folder = layout.set_aside_folder(stage.name, f"{stamp}-{number}")
    for path in existing:
        target = folder / path.relative_to(layout.root)
        ensure_folder(target.parent)
        try:
            path.rename(target)
        except OSError as error:
            raise cannot_write(target, error) from None
    return folder


def _holds_work(path: Path) -> bool:
    """A file, or a folder with something in it (an empty folder is no earlier work)."""
    return path.is_file() or (path.is_dir() and any(path.iterdir()))


def run_stage(stage: Stage, context: StageContext, ranks: distributed.Ranks = distributed.Ranks()) -> None:
    """Run one stage unless its outputs exist and its inputs are those recorded; rank 0 saves the settings
    and the record of its inputs beside its outputs."""
    layout, settings = context.layout, context.settings
    plan = plan_stage(stage, context) if ranks.is_main else None
    if distributed.rank0_decides(ranks, plan is not None and plan.skip):
        logger.info("stage %s: skipped: its outputs in %s exist and its inputs are unchanged (--force reruns it)",
                    stage.name, layout.root)
        return
    if ranks.is_main:
        _prepare(stage, context, plan)
    distributed.barrier(ranks)  # the other ranks start only once earlier work is set aside
    if not ranks.is_main:
        stage.run(context)
        return
    with log_to_file(layout.log_file(stage.name)), freshness.marked_running(layout.running_marker(stage.name)):
        logger.info("stage %s: started, output folder %s", stage.name, layout.root)
        stage.run(context)
        freshness.write_record(layout.stage_record(stage.name), plan.record, complete=True)
        logger.info("stage %s: done", stage.name)


def _prepare(stage: Stage, context: StageContext, plan: StagePlan) -> None:
    """Say why the stage runs, set earlier work of other inputs aside, save the settings and the record."""
    layout = context.layout
    if plan.reason:
        logger.info("stage %s: running: %s", stage.name, plan.reason)
    if not plan.resume:
        folder = set_aside(stage, context)
        if folder is not None:
            logger.info("stage %s: starting anew; the earlier run is kept in %s", stage.name, folder)
    config_text = yaml.safe_dump(config_lang.settings_as_dict(context.settings), sort_keys=False)
    atomic_write_text(layout.stage_config(stage.name), config_text)
    freshness.write_record(layout.stage_record(stage.name), plan.record, complete=False)


def check_writable(folder: Path) -> None:
    """Create the output folder, or stop before any work with one line saying why it cannot be written."""
    ensure_folder(folder)
    if not os.access(folder, os.W_OK | os.X_OK):
        raise OutputError(f"cannot write in the output folder {folder}: permission denied")


def resume_command(recipe: Recipe, remaining: list[str], overrides: list[str]) -> str:
    """The command that continues with the remaining run configs."""
    words = ["python", recipe.script, *remaining, *overrides]
    return " ".join(shlex.quote(word) for word in words)


def seed_variants(settings: Settings) -> list[Settings]:
    """The settings of each sibling system of recipe.seeds (`<system>-seed<N>`, training.seed=N); [settings]
    when recipe.seeds is empty."""
    variants = []
    for seed in settings.recipe.seeds:
        variant = copy.deepcopy(settings)
        variant.training.seed = seed
        variant.recipe.system = f"{settings.recipe.system}-seed{seed}"
        variants.append(variant)
    return variants or [settings]


def run(recipe: Recipe, run_configs: list[str], override_texts: list[str], force: bool = False) -> None:
    """Run each run config in turn, each from fresh settings (once per seed of recipe.seeds), then summarise
    the seeds' results."""
    overrides = [config_lang.parse_override(text) for text in override_texts]
    if force:
        overrides.append(config_lang.Assignment("recipe.force", "True", "command line"))
    all_settings = [build_settings(recipe, name, overrides) for name in run_configs]  # fail before any work
    contexts = [[StageContext(variant, OutputLayout.for_system(recipe.project_root, variant.paths,
                                                               variant.recipe.system), recipe.project_root)
                 for variant in seed_variants(settings)] for settings in all_settings]
    for context in itertools.chain.from_iterable(contexts):
        for stage_name in context.settings.recipe.stages:
            recipe.stage(stage_name).check(context)
    ranks = distributed.start(all_settings[0].computing)  # under torchrun: join the group, quiet ranks > 0
    # summary folder -> {seed: its final/results.json}; summarised once all run configs are done, so that a
    # command such as `sad-off train eval score` summarises the new results once, not stale ones on the way
    seed_results: dict[Path, dict[int, Path]] = {}
    for position, (name, settings, siblings) in enumerate(zip(run_configs, all_settings, contexts)):
        for number, context in enumerate(siblings, start=1):
            if settings.recipe.seeds:
                logger.info("seed %d/%d (training.seed=%d): system %s", number, len(siblings),
                            context.settings.training.seed, context.settings.recipe.system)
            logger.info("run config %s: settings\n%s", name, config_lang.format_settings(context.settings))
            if ranks.is_main:
                check_writable(context.layout.root)
            for stage_name in context.settings.recipe.stages:
                run_stage(recipe.stage(stage_name), context, ranks)
        if settings.recipe.seeds:
            folder = OutputLayout.for_system(recipe.project_root, settings.paths, f"{settings.recipe.system}-seeds")
            seed_results[folder.root] = {context.settings.training.seed: context.layout.final_results("json")
                                         for context in siblings}
        remaining = run_configs[position + 1 :]
        if remaining:
            logger.info("to resume from here: %s", resume_command(recipe, remaining, override_texts))
    if ranks.is_main:
        for folder, results_files in seed_results.items():
            write_seed_summary(folder, results_files)
    distributed.finish(ranks)
    logger.info("all done: %s", " ".join(run_configs))
