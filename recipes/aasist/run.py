"""AASIST recipe: `python recipes/aasist/run.py sad-off train eval score [group.field=value ...]`."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # run from a checkout without installing

from asdf.cli.run_command import run_script  # noqa: E402
from asdf.runner.recipe import Recipe  # noqa: E402
from asdf.stages import STAGES  # noqa: E402

RECIPE = Recipe.beside(Path(__file__), STAGES)

if __name__ == "__main__":
    run_script(RECIPE)
