"""Recipe runner: run configs name stages; each stage reads and writes files in the system's output folder.

`run.py sad-off train eval score key=value` applies, for each run config in turn, fresh defaults, the
init config, the run config's inheritance chain and the overrides, then runs the stages it names. A stage
whose outputs exist is skipped unless forced; after each stage the command that resumes is printed.
"""

from __future__ import annotations

import argparse
import logging
import shlex
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import yaml

from asdf import config_lang, distributed
from asdf.errors import AsdfError, ConfigError
from asdf.fileio import atomic_write_text
from asdf.logs import log_to_file, setup_logging
from asdf.paths import OutputLayout
from asdf.settings import Settings
from asdf.validation import validate_settings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class StageContext:
    """What a stage function receives: the settings, its output layout and the project root."""

    settings: Settings
    layout: OutputLayout
    project_root: Path


@dataclass(frozen=True)
class Stage:
    """A named step: `run` writes files; `outputs` lists the files whose existence means it is done."""

    name: str
    help: str
    run: Callable[[StageContext], None]
    outputs: Callable[[StageContext], list[Path]]
    uses: tuple[str, ...]  # settings groups its outputs depend on


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


def build_settings(recipe: Recipe, run_config: str, overrides: list[config_lang.Assignment]) -> Settings:
    """Defaults, then the init config, the run config's chain and the command-line overrides."""
    configs = config_lang.parse_run_config_file(recipe.run_configs)
    settings = Settings()
    settings.recipe.system = recipe.name
    config_lang.apply_assignments(settings, config_lang.parse_assignment_file(recipe.init_config))
    for block in config_lang.resolve_chain(run_config, configs):
        if block.name in {stage.name for stage in recipe.stages}:
            settings.recipe.stages = [block.name]  # a block named after a stage runs that stage
        config_lang.apply_assignments(settings, block.assignments)
    config_lang.apply_assignments(settings, overrides)
    for stage_name in settings.recipe.stages:
        recipe.stage(stage_name)
    if not settings.recipe.stages:
        raise ConfigError(f"run config {run_config!r} names no stage: set recipe.stages")
    validate_settings(settings)
    return settings


def run_stage(stage: Stage, context: StageContext, ranks: distributed.Ranks = distributed.Ranks()) -> None:
    """Run one stage unless its outputs exist; rank 0 saves the settings it used beside its outputs."""
    layout, settings = context.layout, context.settings
    outputs = stage.outputs(context)
    done = bool(outputs) and all(path.exists() for path in outputs) and not settings.recipe.force
    if distributed.rank0_decides(ranks, done):  # rank 0 may be writing them while another rank looks
        _warn_if_settings_changed(stage, context)
        logger.info("stage %s: skipped, its outputs exist in %s (recipe.force=True reruns it)", stage.name, layout.root)
        return
    if not ranks.is_main:
        stage.run(context)
        return
    config_text = yaml.safe_dump(config_lang.settings_as_dict(settings), sort_keys=False)
    atomic_write_text(layout.stage_config(stage.name), config_text)
    with log_to_file(layout.log_file(stage.name)):
        logger.info("stage %s: started, output folder %s", stage.name, layout.root)
        stage.run(context)
        logger.info("stage %s: done", stage.name)


def _warn_if_settings_changed(stage: Stage, context: StageContext) -> None:
    """Name the settings the stage depends on that differ from those its existing outputs were made with."""
    saved_path = context.layout.stage_config(stage.name)
    if not saved_path.is_file():
        return
    saved = yaml.safe_load(saved_path.read_text(encoding="utf-8")) or {}
    current = config_lang.settings_as_dict(context.settings)
    changed = [
        f"{group}.{name}"
        for group in stage.uses
        for name, value in current[group].items()
        if saved.get(group, {}).get(name, value) != value
    ]
    if changed:
        logger.warning(
            "stage %s: existing outputs were made with other values of %s; they are kept (recipe.force=True redoes)",
            stage.name,
            ", ".join(changed),
        )


def resume_command(recipe: Recipe, remaining: list[str], overrides: list[str]) -> str:
    """The command that continues with the remaining run configs."""
    words = ["python", recipe.script, *remaining, *overrides]
    return " ".join(shlex.quote(word) for word in words)


def run(recipe: Recipe, run_configs: list[str], override_texts: list[str], force: bool = False) -> None:
    """Run each run config in turn, each from fresh settings."""
    overrides = [config_lang.parse_override(text) for text in override_texts]
    if force:
        overrides.append(config_lang.Assignment("recipe.force", "True", "command line"))
    all_settings = [build_settings(recipe, name, overrides) for name in run_configs]  # fail before any work
    ranks = distributed.start(all_settings[0].computing)  # under torchrun: join the group, quiet ranks > 0
    for position, (name, settings) in enumerate(zip(run_configs, all_settings)):
        logger.info("run config %s: settings\n%s", name, config_lang.format_settings(settings))
        layout = OutputLayout.for_system(recipe.project_root, settings.paths, settings.recipe.system)
        context = StageContext(settings, layout, recipe.project_root)
        for stage_name in settings.recipe.stages:
            run_stage(recipe.stage(stage_name), context, ranks)
        remaining = run_configs[position + 1 :]
        if remaining:
            logger.info("to resume from here: %s", resume_command(recipe, remaining, override_texts))
    logger.info("all done: %s", " ".join(run_configs))


def _help_text(recipe: Recipe) -> str:
    """The epilog of --help: stages, run configs and how to override settings."""
    stage_lines = "\n".join(f"  {stage.name:<10} {stage.help}" for stage in recipe.stages)
    try:
        configs = config_lang.parse_run_config_file(recipe.run_configs)
        config_lines = "\n".join(
            f"  {name:<16} < {', '.join(block.parents)}" if block.parents else f"  {name}"
            for name, block in configs.items()
        )
    except ConfigError as error:
        config_lines = f"  (cannot read {recipe.run_configs}: {error})"
    return (
        f"stages:\n{stage_lines}\n\nrun configs ({recipe.run_configs.name}; a config named after a stage "
        f"runs that stage):\n{config_lines}\n\n"
        "settings: group.field=value after the run configs overrides any setting for all of them, e.g.\n"
        f"  python {recipe.script} train eval training.epochs=20 computing.gpu_ids=[1]\n"
        f"machine settings (paths, GPUs, workers) are read from {recipe.init_config}"
    )


def main(recipe: Recipe, argv: list[str] | None = None) -> int:
    """Command-line entry of a recipe's run.py; returns the exit code."""
    parser = argparse.ArgumentParser(
        prog=f"python {recipe.script}",
        description=f"The {recipe.name} recipe: run configs (stages) in order, settings overridden by key=value.",
        epilog=_help_text(recipe),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("words", nargs="*", metavar="RUN_CONFIG|KEY=VALUE", help="run configs and overrides")
    parser.add_argument("--force", action="store_true", help="rerun stages whose outputs exist")
    arguments = parser.parse_args(argv)
    run_configs = [word for word in arguments.words if "=" not in word]
    overrides = [word for word in arguments.words if "=" in word]
    setup_logging()
    if not run_configs:
        parser.print_help()
        return 2
    try:
        run(recipe, run_configs, overrides, force=arguments.force)
    except AsdfError as error:
        logger.error("%s", error)
        return 2 if isinstance(error, ConfigError) else 1
    except KeyboardInterrupt:
        logger.error("interrupted; completed stages and checkpoints are kept")
        return 130
    return 0


def run_script(recipe: Recipe) -> None:
    """`sys.exit(main(recipe))`, for the last line of a run.py."""
    sys.exit(main(recipe))
