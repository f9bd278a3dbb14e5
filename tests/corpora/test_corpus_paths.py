"""The map from corpus to its path setting: every corpus has one, and a missing one is an error naming both."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf import corpora
from asdf.base.errors import ConfigError, DataError
from asdf.base.settings import Settings

# a list each corpus has (plain_list: any name)
A_LIST = {"plain_list": "mine"}


@pytest.mark.parametrize("corpus", corpora.CORPUS_NAMES)
def test_every_corpus_reads_from_the_folder_of_its_own_path_setting(corpus, tmp_path: Path):
    settings = Settings()
    own, elsewhere = tmp_path / "own", tmp_path / "elsewhere"
    own.mkdir(), elsewhere.mkdir()
    for field_name in corpora.PATH_SETTINGS.values():  # every other corpus' folder is elsewhere
        setattr(settings.paths, field_name, str(elsewhere))
    key = f"paths.{corpus}"  # each corpus has the path setting of its own name
    setattr(settings.paths, corpus, str(own))
    # both folders are empty: the reader's complaint names the file it looked for, under its own folder
    with pytest.raises(DataError) as refusal:
        corpora.read_list(settings, tmp_path, f"{corpus}.{A_LIST.get(corpus, 'eval')}")
    assert str(own) in str(refusal.value) and str(elsewhere) not in str(refusal.value)
    assert corpora.corpus_folder_problem(settings, tmp_path, corpus) == ""
    setattr(settings.paths, corpus, str(tmp_path / "no-such-folder"))
    assert corpora.corpus_folder_problem(settings, tmp_path, corpus).startswith(f"{key} = ")


def test_no_two_corpora_share_a_path_setting():
    assert sorted(corpora.PATH_SETTINGS) == sorted(corpora.CORPUS_NAMES)
    assert len(set(corpora.PATH_SETTINGS.values())) == len(corpora.PATH_SETTINGS)


def test_empty_path_setting_is_named_when_opening_its_corpus(tmp_path: Path):
    settings = Settings()
    with pytest.raises(ConfigError, match=r"^paths\.asvspoof5 is empty: .*\(paths\.asvspoof5=/path/to/the"):
        corpora.open_corpus(settings, tmp_path, "asvspoof5")


@pytest.mark.parametrize("mapped_to", [None, "asvspoof_5"])
def test_a_corpus_without_a_path_setting_is_an_error_naming_both(monkeypatch, tmp_path: Path, mapped_to):
    if mapped_to is None:
        monkeypatch.delitem(corpora.PATH_SETTINGS, "asvspoof5")
    else:
        monkeypatch.setitem(corpora.PATH_SETTINGS, "asvspoof5", mapped_to)
    setting = f"paths.{mapped_to or 'asvspoof5'}"
    with pytest.raises(ConfigError, match=rf"^corpus 'asvspoof5' has no path setting {setting}: map it in "):
        corpora.open_corpus(Settings(), tmp_path, "asvspoof5")
    with pytest.raises(ConfigError, match=rf"^corpus 'asvspoof5' has no path setting {setting}"):
        corpora.corpus_folder_problem(Settings(), tmp_path, "asvspoof5")
