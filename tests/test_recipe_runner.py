"""The stage runner: settings per run config, skipping finished stages, resume hints, saved settings."""

from __future__ import annotations

import importlib
import logging
from pathlib import Path

import pytest
import yaml

from asdf.recipe import Recipe, Stage, StageContext, build_settings, run
from asdf.errors import ConfigError


def _recipe(tmp_path: Path, calls: list[str]) -> Recipe:
    """A recipe with two stages that each write one file and record that they ran."""

    def make_stage(name: str) -> Stage:
        def outputs(context: StageContext) -> list[Path]:
            return [context.layout.root / f"{name}.out"]

        def body(context: StageContext) -> None:
            calls.append(name)
            outputs(context)[0].write_text(f"{name} {context.settings.training.epochs}\n")

        return Stage(name, f"the {name} stage", body, outputs, uses=("training",))

    (tmp_path / "init.py").write_text(f"paths.output_folder = {str(tmp_path / 'out')!r}\n")
    (tmp_path / "runs.py").write_text(
        "first\ntraining.epochs = 3\n\nsecond < first\n\nboth < first\nrecipe.stages = ['first', 'second']\n"
    )
    return Recipe("toy", "toy/run.py", (make_stage("first"), make_stage("second")), tmp_path / "runs.py",
                  tmp_path / "init.py", tmp_path)


def test_run_configs_run_their_stages_and_save_settings(tmp_path: Path):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["first", "second"], ["training.batch_size=5"])
    assert calls == ["first", "second"]
    saved = yaml.safe_load((tmp_path / "out" / "toy" / "config" / "second.yaml").read_text())
    assert saved["training"]["epochs"] == 3 and saved["training"]["batch_size"] == 5


def test_finished_stages_are_skipped_unless_forced(tmp_path: Path, caplog):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["both"], [])
    first_output = (tmp_path / "out" / "toy" / "first.out").read_bytes()
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["both"], ["training.epochs=4"])
    assert calls == ["first", "second"]
    assert "skipped" in caplog.text and "training.epochs" in caplog.text
    assert (tmp_path / "out" / "toy" / "first.out").read_bytes() == first_output
    run(recipe, ["first"], ["training.epochs=4"], force=True)
    assert calls[-1] == "first" and (tmp_path / "out" / "toy" / "first.out").read_text() == "first 4\n"


def test_resume_command_is_printed_after_each_run_config(tmp_path: Path, caplog):
    recipe = _recipe(tmp_path, [])
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["first", "second"], ["training.batch_size=5"])
    assert "to resume from here: python toy/run.py second training.batch_size=5" in caplog.text


def test_all_run_configs_are_checked_before_any_stage_runs(tmp_path: Path):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    with pytest.raises(ConfigError, match="unknown run config 'scond'"):
        run(recipe, ["first", "scond"], [])
    assert calls == []
    assert build_settings(recipe, "second", []).recipe.stages == ["second"]


@pytest.mark.parametrize("recipe_name", ["aasist", "wav2vec_aasist"])
def test_every_run_config_parses_and_names_real_stages(recipe_name):
    from asdf.config_lang import parse_run_config_file

    recipe = importlib.import_module(f"recipes.{recipe_name}.run").RECIPE
    assert recipe.name == recipe_name and recipe.script == f"recipes/{recipe_name}/run.py"
    configs = parse_run_config_file(recipe.run_configs)
    stage_names = {stage.name for stage in recipe.stages}
    # blocks that only gather settings for others (e.g. demo-data) run nothing themselves
    shared_blocks = {parent for config in configs.values() for parent in config.parents} - stage_names
    for name in configs:
        if name in shared_blocks:
            continue
        settings = build_settings(recipe, name, [])
        assert all(stage in {s.name for s in recipe.stages} for stage in settings.recipe.stages)
        if recipe_name == "wav2vec_aasist" and name != "demo-data":
            assert settings.model.name == "ssl-aasist", name
