"""egs/: a folder for every corpus asdf reads, whose commands parse and whose settings lines are real settings."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf.base import config_lang
from asdf.base.settings import Settings
from asdf.corpora import CORPUS_NAMES
from asdf.corpora.plain_list import PlainLists
from tests.conftest import REPO_ROOT
from tests.test_readme_commands import bash_commands, run_checked

EGS = REPO_ROOT / "egs"
READMES = sorted(EGS.glob("*/README.md"))
COMMANDS = [(f"{readme.parent.name}: {text}", words) for readme in READMES for text, words in bash_commands(readme)]
SETTINGS_FILES = sorted(EGS.glob("*/init_config.py"))


def test_every_corpus_has_an_egs_folder_and_every_folder_a_corpus():
    folders = {readme.parent.name for readme in READMES}
    assert folders == set(CORPUS_NAMES), (f"corpora without egs/<corpus>/README.md: {set(CORPUS_NAMES) - folders}; "
                                          f"folders of no corpus: {folders - set(CORPUS_NAMES)}")


@pytest.mark.parametrize("readme", READMES, ids=[readme.parent.name for readme in READMES])
def test_every_egs_readme_gives_a_command(readme: Path):
    assert bash_commands(readme), f"{readme} has no ```bash block of commands"


@pytest.mark.parametrize("text, words", COMMANDS, ids=[text[:90] for text, _ in COMMANDS])
def test_egs_command_parses(text: str, words: list[str]):
    run_checked(text, words)


@pytest.mark.parametrize("path", SETTINGS_FILES, ids=[path.parent.name for path in SETTINGS_FILES])
def test_settings_lines_are_real_settings_and_set_the_corpus_path(path: Path):
    assignments = config_lang.parse_assignment_file(path)
    config_lang.apply_assignments(Settings(), assignments)
    assert f"paths.{path.parent.name}" in {assignment.key for assignment in assignments}


def test_plain_list_example_reads_as_the_readme_says():
    example = EGS / "plain_list" / "example"
    utterances = PlainLists(example).utterances("eval")
    assert list(utterances["key"]) == ["bonafide", "spoof", "spoof"]
    assert list(utterances["speaker"]) == ["alice", "alice", "-"]
    assert utterances["path"].iloc[0] == str(example / "calls" / "0001.wav")  # relative to the list's folder
