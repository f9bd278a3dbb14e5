"""The command line of a recipe's run.py: run configs and key=value words, the `status` word, exit statuses.

`python recipes/<name>/run.py RUN_CONFIG... [group.field=value ...] [--force]` runs the run configs through
asdf.runner.recipe; `python recipes/<name>/run.py status [RUN_CONFIG] [key=value]` reports through asdf.runner.status.
"""

from __future__ import annotations

import argparse
import logging
import sys

from asdf.base import config_lang
from asdf.base.errors import AsdfError, ConfigError
from asdf.base.fileio import describe_os_error
from asdf.base.logs import setup_logging
from asdf.runner.recipe import Recipe, run
from asdf.runner.status import print_status

logger = logging.getLogger(__name__)

USAGE_ERROR_EXIT = 2  # a run config, setting or file named by one is wrong: nothing was run
FAILED_EXIT = 1  # a stage failed on its data or could not write its outputs; what was written before is kept
INTERRUPTED_EXIT = 130


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
        f"machine settings (paths, GPUs, workers) are read from {recipe.init_config}\n\n"
        f"python {recipe.script} status [RUN_CONFIG] [key=value]: which stages are done, stale, running or "
        "unfinished, and how training goes (reads files only)"
    )


def main(recipe: Recipe, argv: list[str] | None = None) -> int:
    """Command-line entry of a recipe's run.py; returns the exit status (0, FAILED_EXIT, USAGE_ERROR_EXIT...)."""
    parser = argparse.ArgumentParser(
        prog=f"python {recipe.script}",
        description=f"The {recipe.name} recipe: run configs (stages) in order, settings overridden by key=value.",
        epilog=_help_text(recipe),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("words", nargs="*", metavar="RUN_CONFIG|KEY=VALUE", help="run configs and overrides")
    parser.add_argument("--force", action="store_true", help="rerun stages whose outputs exist (anywhere on the line)")
    arguments = parser.parse_intermixed_args(argv)
    run_configs = [word for word in arguments.words if "=" not in word]
    overrides = [word for word in arguments.words if "=" in word]
    setup_logging()
    if not run_configs:
        parser.print_help()
        return USAGE_ERROR_EXIT
    try:
        if run_configs[0] == "status":
            print_status(recipe, run_configs[1:], overrides)
        else:
            run(recipe, run_configs, overrides, force=arguments.force)
    except ConfigError as error:
        logger.error("%s", error)
        return USAGE_ERROR_EXIT
    except AsdfError as error:
        logger.error("%s", error)
        return FAILED_EXIT
    except OSError as error:  # a write or read that no stage turned into an AsdfError: still one line
        where = f" {error.filename}" if error.filename else ""
        logger.error("cannot access%s: %s", where, describe_os_error(error))
        return FAILED_EXIT
    except KeyboardInterrupt:
        logger.error("interrupted; completed stages and checkpoints are kept")
        return INTERRUPTED_EXIT
    return 0


def run_script(recipe: Recipe) -> None:
    """`sys.exit(main(recipe))`, for the last line of a run.py."""
    sys.exit(main(recipe))
