"""The settings language: literals only, typed, unknown keys named with the closest valid one."""

from __future__ import annotations

import pytest

from asdf.base import config_lang
from asdf.base.config_lang import Assignment, apply_assignments, parse_override, parse_run_config_file
from asdf.base.errors import ConfigError
from asdf.base.settings import Settings


def assign(settings: Settings, key: str, value_text: str, source: str = "test:1") -> None:
    apply_assignments(settings, [Assignment(key, value_text, source)])


def test_values_are_typed_literals():
    settings = Settings()
    assign(settings, "training.epochs", "7")
    assign(settings, "training.learning_rate", "1")  # an int is a fine float
    assign(settings, "computing.gpu_ids", "(2, 3)")
    assign(settings, "model.filts", "None")
    assert settings.training.epochs == 7
    assert settings.training.learning_rate == 1.0 and isinstance(settings.training.learning_rate, float)
    assert settings.computing.gpu_ids == [2, 3]
    assert settings.model.filts is None


def test_unknown_key_names_it_and_the_closest_key():
    with pytest.raises(ConfigError, match=r"unknown setting 'training\.epoch'.*did you mean 'training\.epochs'"):
        assign(Settings(), "training.epoch", "3")
    with pytest.raises(ConfigError, match=r"'network\.no_such_key'"):
        assign(Settings(), "network.no_such_key", "3")


def test_wrong_type_names_key_and_expected_type():
    with pytest.raises(ConfigError, match=r"test:1: training\.epochs expects int, got str 'ten'"):
        assign(Settings(), "training.epochs", "'ten'")
    with pytest.raises(ConfigError, match=r"computing\.use_gpu expects bool"):
        assign(Settings(), "computing.use_gpu", "1")


def test_code_is_never_executed(tmp_path):
    marker = tmp_path / "pwned"
    with pytest.raises(ConfigError, match="not a Python literal"):
        assign(Settings(), "paths.output_folder", f"__import__('pathlib').Path({str(marker)!r}).touch()")
    assert not marker.exists()


def test_command_line_bare_words_are_strings_only_for_string_fields():
    settings = Settings()
    apply_assignments(settings, [parse_override("paths.output_folder=/data/out")])
    assert settings.paths.output_folder == "/data/out"
    with pytest.raises(ConfigError, match="training.epochs"):
        apply_assignments(settings, [parse_override("training.epochs=many")])
    with pytest.raises(ConfigError, match="expected group.field=value"):
        parse_override("epochs=3")


def test_run_configs_inherit_in_order(tmp_path):
    path = tmp_path / "run_configs.py"
    path.write_text(
        "# comment\nbase\ntraining.epochs = 5  # trailing comment\ndata.corpus = 'a#b'\n\n"
        "other\ntraining.batch_size = 3\n\n"
        "child < base, other\ntraining.epochs = 9\n"
    )
    configs = parse_run_config_file(path)
    chain = config_lang.resolve_chain("child", configs)
    assert [block.name for block in chain] == ["base", "other", "child"]
    settings = Settings()
    for block in chain:
        apply_assignments(settings, block.assignments)
    assert (settings.training.epochs, settings.training.batch_size, settings.data.corpus) == (9, 3, "a#b")


def test_run_config_errors_name_file_and_line(tmp_path):
    path = tmp_path / "run_configs.py"
    path.write_text("a < b\ntraining.epochs = 1\nb < a\n")
    with pytest.raises(ConfigError, match="loops"):
        config_lang.resolve_chain("a", parse_run_config_file(path))
    with pytest.raises(ConfigError, match=r"unknown run config 'trian'.*'train'"):
        config_lang.resolve_chain("trian", {"train": config_lang.RunConfig("train", (), ())})
    path.write_text("training.epochs = 1\n")
    with pytest.raises(ConfigError, match=r"run_configs.py:1: assignment before any run-config name"):
        parse_run_config_file(path)


def test_formatted_settings_read_back_identically():
    settings = Settings()
    assign(settings, "computing.gpu_ids", "[0, 1]")
    assign(settings, "model.name", "'aasist-l'")
    lines = [line.split(" = ", 1) for line in config_lang.format_settings(settings).splitlines()]
    again = Settings()
    apply_assignments(again, [Assignment(key, value, "formatted") for key, value in lines])
    assert again == settings


def test_a_field_with_listed_values_refuses_others_naming_them_and_the_closest():
    expected = (r"^test:1: computing\.precision must be one of 'fp32', 'bf16', 'fp16', got 'fp15' "
                r"\(did you mean 'fp16'\?\)$")
    with pytest.raises(ConfigError, match=expected):
        assign(Settings(), "computing.precision", "'fp15'")
    with pytest.raises(ConfigError, match=r"^test:1: eval\.input must be one of 'official', 'full', 'windows', got 3$"):
        assign(Settings(), "eval.input", "3")
    settings = Settings()
    assign(settings, "training.average", "'swa'")
    apply_assignments(settings, [parse_override("computing.precision=bf16")])  # a bare word, as for str fields
    assert (settings.training.average, settings.computing.precision) == ("swa", "bf16")
    with pytest.raises(ConfigError, match=r"^command line: computing\.precision must be one of .*got 'bf61'"):
        apply_assignments(settings, [parse_override("computing.precision=bf61")])
