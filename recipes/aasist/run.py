"""AASIST recipe: `python recipes/aasist/run.py sad-off train eval score [group.field=value ...]`."""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_ROOT))  # run from a checkout without installing

from asdf.recipe import Recipe, run_script  # noqa: E402
from asdf.stages import STAGES  # noqa: E402

RECIPE = Recipe(
    name="aasist",
    script="recipes/aasist/run.py",
    stages=STAGES,
    run_configs=Path(__file__).with_name("run_configs.py"),
    init_config=PROJECT_ROOT / "configs" / "init_config.py",
    project_root=PROJECT_ROOT,
)

if __name__ == "__main__":
    run_script(RECIPE)
