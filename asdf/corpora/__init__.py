"""Corpus readers: where a corpus' lists, audio and ASV scores are. `data.corpus` picks one by name."""

from __future__ import annotations

from pathlib import Path

from asdf.corpora.asvspoof2019 import ASVspoof2019LA
from asdf.errors import ConfigError
from asdf.paths import resolve
from asdf.settings import Settings

# Both use the official ASVspoof 2019 LA layout; the root comes from paths.<name>.
CORPUS_NAMES = ("asvspoof2019_la", "demo_la")


def open_corpus(settings: Settings, project_root: Path) -> ASVspoof2019LA:
    """The reader of the corpus named by `data.corpus`, rooted at `paths.<data.corpus>`."""
    root_setting = getattr(settings.paths, settings.data.corpus)
    if not root_setting:
        raise ConfigError(f"paths.{settings.data.corpus} is empty: set it in configs/init_config.py or on the "
                          f"command line (paths.{settings.data.corpus}=/path/to/folder/containing/LA)")
    return ASVspoof2019LA(resolve(project_root, root_setting), setting=f"paths.{settings.data.corpus}")
