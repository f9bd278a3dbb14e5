"""A stage run before the stage that makes its inputs says which stage to run, naming the missing file."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf.base.errors import DataError
from asdf.base.paths import OutputLayout
from asdf.base.settings import Settings
from asdf.runner.recipe import StageContext
from asdf.stages import eval as eval_stage
from asdf.stages import score


def _context(tmp_path: Path) -> StageContext:
    settings = Settings()
    settings.computing.use_gpu = False
    return StageContext(settings, OutputLayout(tmp_path / "aasist"), tmp_path)


def test_eval_without_a_trained_checkpoint_names_it_and_the_train_stage(tmp_path: Path):
    with pytest.raises(DataError, match=r"checkpoints/best\.pt not found: run the train stage first"):
        eval_stage.run(_context(tmp_path))


def test_score_without_eval_outputs_names_them_and_the_eval_stage(tmp_path: Path):
    with pytest.raises(DataError, match=r"scores/dev\.best\.txt not found: run the eval stage first"):
        score.run(_context(tmp_path))
