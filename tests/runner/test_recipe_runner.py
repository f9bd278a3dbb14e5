"""The stage runner: settings per run config, skipping finished stages, resume hints, saved settings."""

from __future__ import annotations

import importlib
import logging
import os
from pathlib import Path

import pytest
import yaml

from asdf.base.config_lang import parse_override
from asdf.base.errors import ConfigError, DataError
from asdf.cli.run_command import main
from asdf.runner.freshness import StageInputs
from asdf.runner.recipe import Recipe, Stage, StageContext, build_settings, run


def _recipe(tmp_path: Path, calls: list[str], fail_in: str = "") -> Recipe:
    """A recipe of two stages: `first` writes first.out from training.epochs and keeps work/ across resumes;
    `second` copies first.out and appends training.batch_size. `fail_in` names a stage that fails at its end."""

    def first(context: StageContext) -> None:
        calls.append("first")
        work = context.layout.root / "work"
        work.mkdir(parents=True, exist_ok=True)
        (work / "progress.txt").open("a").write("step\n")
        (context.layout.root / "first.out").write_text(f"first {context.settings.training.epochs}\n")
        if fail_in == "first":
            raise DataError("first failed")

    def second(context: StageContext) -> None:
        calls.append("second")
        root = context.layout.root
        (root / "second.out").write_text((root / "first.out").read_text() + f"{context.settings.training.batch_size}\n")

    def first_inputs(context: StageContext) -> StageInputs:
        return StageInputs(("training.epochs",))

    def second_inputs(context: StageContext) -> StageInputs:
        return StageInputs(("training.batch_size",), {"first.out": context.layout.root / "first.out"})

    stages = (
        Stage("first", "the first stage", first, lambda context: [context.layout.root / "first.out"], first_inputs,
              resumable_work=lambda context: [context.layout.root / "work"]),
        Stage("second", "the second stage", second, lambda context: [context.layout.root / "second.out"],
              second_inputs),
    )
    (tmp_path / "init.py").write_text(f"paths.output_folder = {str(tmp_path / 'out')!r}\n")
    (tmp_path / "runs.py").write_text(
        "first\ntraining.epochs = 3\n\nsecond < first\n\nboth < first\nrecipe.stages = ['first', 'second']\n"
    )
    return Recipe("toy", "toy/run.py", stages, tmp_path / "runs.py", tmp_path / "init.py", tmp_path)


def _snapshot(folder: Path) -> dict:
    """Every file under `folder` with its bytes and modification time."""
    return {path: (path.read_bytes(), path.stat().st_mtime_ns) for path in folder.rglob("*") if path.is_file()}


def test_run_configs_run_their_stages_and_save_settings(tmp_path: Path):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["first", "second"], ["training.batch_size=5"])
    assert calls == ["first", "second"]
    saved = yaml.safe_load((tmp_path / "out" / "toy" / "config" / "second.yaml").read_text())
    assert saved["training"]["epochs"] == 3 and saved["training"]["batch_size"] == 5


def test_unchanged_stages_are_skipped_and_touch_nothing(tmp_path: Path, caplog):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["both"], [])
    before = _snapshot(tmp_path / "out")
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["both"], ["training.seed=7"])  # a setting neither stage depends on
    assert calls == ["first", "second"]
    assert caplog.text.count("skipped") == 2
    assert _snapshot(tmp_path / "out") == before


def test_a_changed_setting_reruns_its_stage_and_the_stages_that_read_its_outputs(tmp_path: Path, caplog):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["both"], [])
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["both"], ["training.epochs=4"])
    assert calls == ["first", "second"] * 2
    assert "stage first: running: its inputs changed: training.epochs 3 -> 4" in caplog.text
    assert "stage second: running: its inputs changed: first.out changed" in caplog.text
    assert (tmp_path / "out" / "toy" / "second.out").read_text() == "first 4\n24\n"
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["both"], ["training.epochs=4", "training.batch_size=8"])  # only the second stage's setting
    assert calls[4:] == ["second"]
    assert "training.batch_size 24 -> 8" in caplog.text


def test_an_edited_input_file_reruns_the_stage_that_reads_it(tmp_path: Path, caplog):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["both"], [])
    (tmp_path / "out" / "toy" / "first.out").write_text("edited\n")
    run(recipe, ["second"], [])
    assert calls == ["first", "second", "second"]
    assert (tmp_path / "out" / "toy" / "second.out").read_text() == "edited\n24\n"
    os.utime(tmp_path / "out" / "toy" / "first.out")  # touched, same content: still fresh
    run(recipe, ["second"], [])
    assert calls == ["first", "second", "second"]


def test_force_reruns_and_sets_earlier_work_aside(tmp_path: Path, caplog):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    run(recipe, ["first"], [])
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(recipe, ["first"], [], force=True)
    assert calls == ["first", "first"]
    kept = list((tmp_path / "out" / "toy" / "previous").glob("first-*"))
    assert len(kept) == 1 and (kept[0] / "work" / "progress.txt").read_text() == "step\n"
    assert (kept[0] / "records" / "first.json").is_file() and (kept[0] / "config" / "first.yaml").is_file()
    assert (tmp_path / "out" / "toy" / "work" / "progress.txt").read_text() == "step\n"  # the new run's own
    assert f"the earlier run is kept in {kept[0]}" in caplog.text


def test_an_unfinished_stage_continues_its_work_only_with_the_same_inputs(tmp_path: Path, caplog):
    calls: list[str] = []
    with pytest.raises(DataError):
        run(_recipe(tmp_path, calls, fail_in="first"), ["first"], [])
    work = tmp_path / "out" / "toy" / "work" / "progress.txt"
    with caplog.at_level(logging.INFO, logger="asdf"):
        run(_recipe(tmp_path, calls), ["first"], [])  # its output exists, but the run did not finish
    assert "continuing an unfinished run with the same inputs" in caplog.text
    assert work.read_text() == "step\nstep\n"  # continued, not set aside
    with pytest.raises(DataError):
        run(_recipe(tmp_path, calls, fail_in="first"), ["first"], ["training.epochs=5"])
    run(_recipe(tmp_path, calls), ["first"], ["training.epochs=6"])  # other inputs: a fresh start
    assert work.read_text() == "step\n"
    # two runs were set aside, oldest first: the finished one (its work done twice) when other inputs came, then
    # the unfinished one with training.epochs=5 when yet other inputs came
    kept = sorted((tmp_path / "out" / "toy" / "previous").glob("first-*"))  # first-<time>, first-<time>[-2]
    assert [(path / "work" / "progress.txt").read_text() for path in kept] == ["step\nstep\n", "step\n"]
    assert "epochs: 5" in (kept[1] / "config" / "first.yaml").read_text()


def test_force_is_taken_anywhere_on_the_command_line(tmp_path: Path):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    assert main(recipe, ["first"]) == 0
    assert main(recipe, ["--force", "first", "training.epochs=3"]) == 0
    assert main(recipe, ["first", "--force", "training.epochs=3"]) == 0
    assert calls == ["first"] * 3


def test_an_output_folder_that_cannot_be_made_is_one_line_and_exit_1(tmp_path: Path, capsys):
    calls: list[str] = []
    recipe = _recipe(tmp_path, calls)
    (tmp_path / "a-file").write_text("")
    assert main(recipe, ["first", f"paths.output_folder={tmp_path / 'a-file' / 'out'}"]) == 1
    error_lines = [line for line in capsys.readouterr().out.splitlines() if "ERROR" in line]
    assert error_lines == [error_lines[0]] and "cannot create the folder" in error_lines[0]
    assert "a file, not a folder" in error_lines[0] and calls == []


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


@pytest.mark.parametrize("recipe_name", ["aasist", "wav2vec_aasist", "whisper_tiny"])
def test_every_run_config_parses_and_names_real_stages(recipe_name):
    from asdf.base.config_lang import parse_run_config_file

    recipe = importlib.import_module(f"recipes.{recipe_name}.run").RECIPE
    assert recipe.name == recipe_name and recipe.script == f"recipes/{recipe_name}/run.py"
    configs = parse_run_config_file(recipe.run_configs)
    stage_names = {stage.name for stage in recipe.stages}
    # blocks that only gather settings for others (e.g. demo-data) run nothing themselves
    shared_blocks = {parent for config in configs.values() for parent in config.parents} - stage_names
    stage_order = [stage.name for stage in recipe.stages]
    models_of_system: dict[str, set[str]] = {}
    for name in configs:
        if name in shared_blocks:
            continue
        settings = build_settings(recipe, name, [])
        # stages run in the order listed: a config must list them in the recipe's order, each once
        assert settings.recipe.stages == sorted(set(settings.recipe.stages), key=stage_order.index), name
        models_of_system.setdefault(settings.recipe.system, set()).add(settings.model.name)
        if recipe_name == "wav2vec_aasist" and name != "demo-data":
            assert settings.model.name == "ssl-aasist", name
    assert all(len(models) == 1 for models in models_of_system.values()), models_of_system  # one model per folder


@pytest.mark.parametrize("recipe_name, words, system", [
    ("aasist", ["train"], "aasist"),
    ("aasist", ["train", "model.name=rawnet2"], "aasist-rawnet2"),
    ("aasist", ["train-light"], "aasist-l"),
    ("aasist", ["demo"], "aasist-demo"),
    ("aasist", ["train", "model.name=rawnet2", "recipe.system=mine"], "mine"),
    ("wav2vec_aasist", ["train"], "wav2vec_aasist"),
    ("wav2vec_aasist", ["train", "model.name=aasist"], "wav2vec_aasist-aasist"),
    ("wav2vec_aasist", ["demo"], "wav2vec_aasist_demo"),
])
def test_default_system_is_the_recipe_for_its_own_model_else_recipe_and_model(recipe_name, words, system):
    recipe = importlib.import_module(f"recipes.{recipe_name}.run").RECIPE
    overrides = [parse_override(word) for word in words[1:]]
    assert build_settings(recipe, words[0], overrides).recipe.system == system


def test_another_model_writes_into_its_own_folder(tmp_path: Path):
    recipe = _recipe(tmp_path, [])
    run(recipe, ["first"], [])
    run(recipe, ["first"], ["model.name=rawnet2", "training.epochs=5"])
    assert (tmp_path / "out" / "toy" / "first.out").read_text() == "first 3\n"  # untouched by the other model
    assert (tmp_path / "out" / "toy-rawnet2" / "first.out").read_text() == "first 5\n"
