"""The map from corpus to its path setting: every corpus has one, and a missing one is an error naming both."""

from __future__ import annotations

from pathlib import Path

import pytest

from asdf import corpora
from asdf.errors import ConfigError
from asdf.settings import Settings


@pytest.mark.parametrize("corpus", corpora.CORPUS_NAMES)
def test_every_corpus_reads_its_root_from_its_own_path_setting(corpus, tmp_path: Path):
    settings = Settings()
    key, _ = corpora.path_setting(settings, corpus)
    setattr(settings.paths, key.removeprefix("paths."), str(tmp_path / "no-such-folder"))
    assert corpora.path_setting(settings, corpus) == (key, str(tmp_path / "no-such-folder"))
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
