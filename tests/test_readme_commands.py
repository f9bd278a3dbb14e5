"""Every command of the README's ```bash blocks runs in a cheap form, so the README cannot drift from the code.

run.py: `--help`, or what it does before any stage runs (run configs, their stages and every `key=value` checked);
the `asdf` command: `--help` for real, other subcommands parsed; other scripts: their arguments parsed; the two
long scripts: `bash -n`. A command no rule knows fails with its text. tests/test_egs.py checks egs/ with the same rules.
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import importlib.util
import io
import re
import runpy
import shlex
import subprocess
import sys
from pathlib import Path
from unittest import mock

import pytest

import asdf
from asdf.base import config_lang
from asdf.base.errors import AsdfError
from asdf.cli.main import build_parser
from asdf.cli.run_command import main as recipe_main
from asdf.runner.recipe import Recipe, build_settings, machine_settings
from asdf.stages import STAGES
from tests.conftest import REPO_ROOT

README = REPO_ROOT / "README.md"
SEPARATORS = {"&&", "||", ";", "|"}
SHELL_TOOLS = {"cd", "mkdir", "ls", "cat", "head", "tail", "unzip", "tar", "wget", "curl"}  # name no project file
PYTHON = re.compile(r"python(3(\.\d+)?)?")
REDIRECT_ALONE = re.compile(r"\d*(>>?|<)")  # its target is the next word
REDIRECT_JOINED = re.compile(r"\d*(>>?|<)\S+")  # 2>&1, >out.txt


def bash_commands(markdown: Path) -> list[tuple[str, list[str]]]:
    """(text, shell words) of each command in a Markdown file's ```bash blocks; comments left out."""
    commands, fence, pending = [], None, ""
    for line in markdown.read_text(encoding="utf-8").splitlines():
        if line.startswith("```"):
            fence = line[3:].strip() if fence is None else None
            continue
        if fence != "bash":
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        text, pending = pending + line, ""
        commands += [(shlex.join(words), words) for words in _split_commands(shlex.split(text, comments=True))]
    return commands


def _split_commands(words: list[str]) -> list[list[str]]:
    """The commands of one line, split at `&&`, `;` and pipes, without redirections or a trailing `&`."""
    commands, current, skip_next = [], [], False
    for word in words:
        if skip_next:
            skip_next = False
        elif word in SEPARATORS:
            commands.append(current)
            current = []
        elif REDIRECT_ALONE.fullmatch(word):
            skip_next = True
        elif word != "&" and not REDIRECT_JOINED.fullmatch(word):
            current.append(word)
    return [command for command in [*commands, current] if command]


def check_command(words: list[str]) -> None:
    """Run or parse one command in its cheap form; fail when no rule knows it."""
    program, arguments = words[0], words[1:]
    if program == "nohup":
        check_command(arguments)
    elif program == "bash":
        check_bash_script(arguments)
    elif program == "source":
        assert arguments == [".venv/bin/activate"], "only the .venv that utils/setup_env.sh creates is activated"
    elif program in ("asdf", asdf.DISTRIBUTION):
        check_cli(program, arguments)
    elif program == "torchrun":
        first_script = next(index for index, word in enumerate(arguments) if word.endswith(".py"))
        check_python_script(arguments[first_script:])
    elif PYTHON.fullmatch(program):
        check_python(arguments)
    elif program == "pip":
        check_pip_install(arguments)
    elif program not in SHELL_TOOLS:
        pytest.fail(f"no rule of {Path(__file__).name} knows the command {shlex.join(words)!r}")


def check_bash_script(arguments: list[str]) -> None:
    """A long script (the demo, the test suite): it exists and bash can parse it."""
    script = REPO_ROOT / arguments[0]
    assert script.is_file(), f"{script} not found"
    result = subprocess.run(["bash", "-n", str(script)], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def check_cli(program: str, arguments: list[str]) -> None:
    """`--help` runs the installed command for real; other command lines must parse."""
    if "--help" in arguments or "-h" in arguments:
        executable = Path(sys.executable).parent / program
        if not executable.is_file():
            pytest.skip(f"{program} is not installed beside {sys.executable} (pip install -e .)")
        result = subprocess.run([str(executable), *arguments], capture_output=True, text=True, timeout=120)
        assert result.returncode == 0 and "usage: asdf" in result.stdout, result.stdout + result.stderr
        return
    with contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            build_parser().parse_args(arguments)
        except SystemExit:
            pytest.fail(f"asdf cannot parse {shlex.join(arguments)!r}: {errors.getvalue().strip()}")


def check_python(arguments: list[str]) -> None:
    """`python [-u] SCRIPT ...`, `python -m pip install ...` or `python -m venv ...`."""
    arguments = [word for word in arguments if word not in ("-u", "-B")]
    if arguments[:2] == ["-m", "pip"]:
        check_pip_install(arguments[2:])
    elif arguments[:2] != ["-m", "venv"]:
        check_python_script(arguments)


def check_python_script(arguments: list[str]) -> None:
    """A recipe's run.py is parsed as it would run; another script's arguments must parse."""
    script = REPO_ROOT / arguments[0]
    assert script.is_file(), f"{script} not found"
    if script.name == "run.py" and script.parent.parent.name == "recipes":
        check_recipe(load_recipe(script), arguments[1:])
    else:
        check_script_arguments(script, arguments[1:])


@functools.cache
def load_recipe(script: Path) -> Recipe:
    """The RECIPE of a run.py (its `if __name__ == '__main__'` line does not run)."""
    spec = importlib.util.spec_from_file_location(f"readme_recipe_{script.parent.name}", script)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.RECIPE


def check_recipe(recipe: Recipe, words: list[str]) -> None:
    """`--help` lists the stages; otherwise what run.py does before any stage runs."""
    if "--help" in words or "-h" in words:
        with contextlib.redirect_stdout(io.StringIO()) as output, pytest.raises(SystemExit) as exit_info:
            recipe_main(recipe, ["--help"])
        assert exit_info.value.code == 0
        assert all(stage.name in output.getvalue() for stage in recipe.stages), output.getvalue()
        return
    unknown_options = [word for word in words if word.startswith("-") and word != "--force"]
    assert not unknown_options, f"run.py has no option {unknown_options}"
    run_configs = [word for word in words if "=" not in word and not word.startswith("-")]
    overrides = [config_lang.parse_override(word) for word in words if "=" in word]
    if run_configs[:1] == ["status"]:
        run_configs = run_configs[1:]
        config_lang.apply_assignments(machine_settings(recipe), overrides)  # status without a run config
    else:
        assert run_configs, "run.py needs a run config"
    for name in run_configs:
        build_settings(recipe, name, overrides)


class _Parsed(Exception):
    """Raised in place of a script's work once its arguments parsed."""


def check_script_arguments(script: Path, arguments: list[str]) -> None:
    """The script's ArgumentParser accepts its arguments; it stops there, before any work."""
    assert "parse_args" in script.read_text(encoding="utf-8"), f"{script}: no argparse, no cheap way to run it"
    parse_args = argparse.ArgumentParser.parse_args

    def parse_then_stop(parser, args=None, namespace=None):
        parse_args(parser, args, namespace)
        raise _Parsed

    with mock.patch.object(argparse.ArgumentParser, "parse_args", parse_then_stop), \
            mock.patch.object(sys, "argv", [str(script), *arguments]), \
            contextlib.redirect_stderr(io.StringIO()) as errors:
        try:
            runpy.run_path(str(script), run_name="__main__")
        except _Parsed:
            return
        except SystemExit:
            pass
    pytest.fail(f"{script.name} does not accept {shlex.join(arguments)!r}: {errors.getvalue().strip()}")


def check_pip_install(arguments: list[str]) -> None:
    """Only this clone is installed (`asdf` on PyPI is another package), with extras that exist."""
    assert arguments[:1] == ["install"], f"pip {shlex.join(arguments)}: only `pip install` is expected"
    extras = list(pyproject()["project"]["optional-dependencies"])
    for target in [word for word in arguments[1:] if not word.startswith("-")]:
        local = re.fullmatch(r"\.(?:\[([\w,-]*)\])?", target)
        assert local, f"pip install {target}: installs from an index, not this clone"
        assert set(filter(None, (local[1] or "").split(","))) <= set(extras), f"{target}: extras are {extras}"


def pyproject() -> dict:
    """pyproject.toml, read."""
    tomllib = pytest.importorskip("tomllib", reason="tomllib needs Python 3.11")
    return tomllib.loads((REPO_ROOT / "pyproject.toml").read_text(encoding="utf-8"))


def run_checked(text: str, words: list[str]) -> None:
    """check_command, with a settings or file error reported as a failure naming the command."""
    try:
        check_command(words)
    except AsdfError as error:
        pytest.fail(f"{text}: {error}")


README_COMMANDS = bash_commands(README)


@pytest.mark.parametrize("text, words", README_COMMANDS, ids=[text[:70] for text, _ in README_COMMANDS])
def test_readme_command_runs_in_a_cheap_form(text: str, words: list[str]):
    run_checked(text, words)


def test_readme_maps_every_stage_to_its_module():
    readme = README.read_text(encoding="utf-8")
    for stage in STAGES:
        module = stage.run.__module__.replace(".", "/") + ".py"
        assert f"| `{stage.name}` | `{module}` |" in readme, f"README's map lacks stage {stage.name} -> {module}"


def test_project_paths_the_readme_names_exist():
    named = re.findall(r"`((?:asdf|recipes|utils|configs|bench|egs|tests)/[^`<>*{}\s]*)`",
                       README.read_text(encoding="utf-8"))
    missing = [path for path in named if not (REPO_ROOT / path).exists()]
    assert named and not missing, f"README names paths that do not exist: {missing}"


def test_distribution_name_is_not_asdf_and_gives_a_second_command():
    project = pyproject()["project"]
    assert project["name"] == asdf.DISTRIBUTION != "asdf"
    assert project["scripts"][asdf.DISTRIBUTION] == project["scripts"]["asdf"] == "asdf.cli.main:main"


def test_the_code_map_lists_every_asdf_command():

    lines = README.read_text(encoding="utf-8").splitlines()
    row = next(line for line in lines if line.startswith("| the `asdf` command"))
    listed = set(re.findall(r"`([\w-]+)`", row.split("|")[1])) - {"asdf"}
    subparsers = next(action for action in build_parser()._actions if isinstance(action, argparse._SubParsersAction))
    assert listed == set(subparsers.choices), "README's code map row of the asdf command lists other commands"


def readme_table(header: str) -> list[list[str]]:
    """The cells of each row of the README table whose header row starts with `header`."""
    lines = README.read_text(encoding="utf-8").splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        rows.append([cell.strip() for cell in line.strip("|").split("|")])
    return rows


def test_the_code_map_lists_every_part_of_asdf_once():
    package = REPO_ROOT / "asdf"
    parts = {f"asdf/{path.name}/" for path in package.iterdir() if (path / "__init__.py").is_file()}
    parts |= {f"asdf/{path.name}" for path in package.glob("*.py") if path.name != "__init__.py"}
    listed = [re.fullmatch(r"`(asdf/[\w./]+)`", row[0])[1] for row in readme_table("| part | what it holds |")]
    assert sorted(listed) == sorted(parts), "README's table of the parts of asdf/ and the folder differ"


def test_the_code_map_names_the_reader_of_every_corpus_and_the_builder_of_those_built_here():
    from asdf.corpora import READERS

    rows = {re.fullmatch(r"`(\w+)`", row[0])[1]: row[1:] for row in readme_table("| corpus | reader | built by |")}
    assert set(rows) == set(READERS), "README's corpus table lists other corpora than asdf.corpora.READERS"
    for corpus, (reader, builder) in rows.items():
        module = getattr(READERS[corpus], "func", READERS[corpus]).__module__
        assert reader.startswith(f"`{module.replace('.', '/')}.py`"), f"README: {corpus} is read by {module}"
    build = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction)).choices["corpus"]
    actions = next(a for a in build._actions if isinstance(a, argparse._SubParsersAction)).choices["build"]
    corpora_built = next(a for a in actions._actions if a.dest == "corpus").choices
    for name in corpora_built:
        row = rows[name.replace("-", "_")]
        folder = f"asdf/corpus_builders/{name.replace('-', '_')}/"
        assert f"`{folder}`" in row[1] and f"`asdf corpus build {name}`" in row[1], f"README: who builds {name}"
