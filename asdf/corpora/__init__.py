"""Readers of published corpora (ASVspoof 2019, 2021 and 5, In-the-Wild, ood-dev, plain lists): where a
corpus' lists, audio and ASV scores are; `data.corpus` picks one by name. A list name may be qualified by a
corpus, `<corpus>.<list>` (e.g. `asvspoof5.train`); an unqualified name belongs to `data.corpus`, and each
corpus' root folder is the path setting that PATH_SETTINGS names for it. Corpora made here are built by
`asdf.corpus_builders` and read by the ASVspoof 2019 reader. May import: `asdf.base`, `asdf.data`."""

from __future__ import annotations

import logging
from functools import partial
from pathlib import Path
from typing import Callable

import pandas as pd

from asdf.base.errors import ConfigError
from asdf.base.paths import resolve
from asdf.base.settings import Settings
from asdf.corpora.asvspoof5 import ASVspoof5
from asdf.corpora.asvspoof2019 import ASVspoof2019LA
from asdf.corpora.asvspoof2021 import ASVspoof2021
from asdf.corpora.in_the_wild import InTheWild
from asdf.corpora.ood_dev import OodDev
from asdf.corpora.plain_list import PlainLists

READERS: dict[str, Callable[[Path, str], object]] = {
    "asvspoof2019_la": ASVspoof2019LA,
    "demo_la": ASVspoof2019LA,  # the demo corpus is built in the ASVspoof 2019 LA layout
    "open_spoof": ASVspoof2019LA,  # and so is the open spoofing corpus
    "asvspoof2021_la": partial(ASVspoof2021, track="LA"),
    "asvspoof2021_df": partial(ASVspoof2021, track="DF"),
    "asvspoof5": ASVspoof5,
    "in_the_wild": InTheWild,
    "plain_list": PlainLists,
    "ood_dev": OodDev,
}
CORPUS_NAMES = tuple(READERS)
# corpus -> the field of PathSettings (paths.<field>) that holds its root folder
PATH_SETTINGS: dict[str, str] = {
    "asvspoof2019_la": "asvspoof2019_la",
    "demo_la": "demo_la",
    "open_spoof": "open_spoof",
    "asvspoof2021_la": "asvspoof2021_la",
    "asvspoof2021_df": "asvspoof2021_df",
    "asvspoof5": "asvspoof5",
    "in_the_wild": "in_the_wild",
    "plain_list": "plain_list",
    "ood_dev": "ood_dev",
}

logger = logging.getLogger(__name__)
_reported_unavailable: set[str] = set()  # each left-out list is logged once, not by every stage that asks


def split_list_name(name: str, default_corpus: str) -> tuple[str, str]:
    """(corpus, list) of a list name, qualified `<corpus>.<list>` or plain (then of `default_corpus`)."""
    corpus, dot, list_name = name.partition(".")
    return (corpus, list_name) if dot else (default_corpus, name)


def path_setting(settings: Settings, corpus: str) -> tuple[str, str]:
    """('paths.<field>', its value): the setting that holds the root folder of `corpus`."""
    field_name = PATH_SETTINGS.get(corpus, corpus)
    if corpus not in PATH_SETTINGS or not hasattr(settings.paths, field_name):
        raise ConfigError(f"corpus {corpus!r} has no path setting paths.{field_name}: map it in "
                          "asdf.corpora.PATH_SETTINGS to a field of asdf.base.settings.PathSettings")
    return f"paths.{field_name}", getattr(settings.paths, field_name)


def open_corpus(settings: Settings, project_root: Path, corpus: str | None = None):
    """The reader of `corpus` (default `data.corpus`), rooted at its path setting."""
    corpus = corpus or settings.data.corpus
    if corpus not in READERS:
        raise ConfigError(f"unknown corpus {corpus!r}; corpora: {', '.join(CORPUS_NAMES)}")
    key, root_setting = path_setting(settings, corpus)
    if not root_setting:
        raise ConfigError(f"{key} is empty: set it in configs/init_config.py or on the command line "
                          f"({key}=/path/to/the/corpus/folder)")
    return READERS[corpus](resolve(project_root, root_setting), setting=key)


def read_list(settings: Settings, project_root: Path, name: str) -> tuple[pd.DataFrame, pd.DataFrame | None]:
    """The utterances of a (possibly qualified) list and its ASV scores (None where the corpus has none)."""
    corpus_name, list_name = split_list_name(name, settings.data.corpus)
    corpus = open_corpus(settings, project_root, corpus_name)
    return corpus.utterances(list_name), corpus.asv_scores(list_name)


def corpus_folder_problem(settings: Settings, project_root: Path, corpus: str) -> str:
    """Why the path setting of `corpus` names no folder on this machine ('' when it does)."""
    key, root_setting = path_setting(settings, corpus)
    if not root_setting:
        return f"{key} is empty"
    root = resolve(project_root, root_setting)
    return "" if root.is_dir() else f"{key} = {root_setting!r} is not a folder ({root})"


def eval_list_names(settings: Settings, project_root: Path) -> list[str]:
    """`data.eval_lists`; with `data.skip_unavailable_lists`, less the lists of corpora not on this machine."""
    names = list(settings.data.eval_lists)
    if not settings.data.skip_unavailable_lists:
        return names
    kept = []
    for name in names:
        problem = corpus_folder_problem(settings, project_root, split_list_name(name, settings.data.corpus)[0])
        if not problem:
            kept.append(name)
        elif name not in _reported_unavailable:
            _reported_unavailable.add(name)
            logger.info("list %s left out (data.skip_unavailable_lists): %s", name, problem)
    return kept
