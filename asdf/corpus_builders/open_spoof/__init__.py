"""The open spoofing corpus: real speech and fakes from free synthesis engines,
Kokoro-82M and the public neural-speech collections, in the ASVspoof 2019 LA layout; an interrupted build
resumes (`build_open_spoof`). May import: `asdf.base`, `asdf.data`, `asdf.corpus_builders.kit`,
`asdf.corpus_builders.tts`, `asdf.corpus_builders.spoofing`, `asdf.corpus_builders.shortcuts`."""

from asdf.corpus_builders.open_spoof.build import COMPLETE_MARKER, build_open_spoof
from asdf.corpus_builders.open_spoof.inventory import inventory_table

__all__ = ["COMPLETE_MARKER", "build_open_spoof", "inventory_table"]
