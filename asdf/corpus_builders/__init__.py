"""Builders of new spoofing corpora in the ASVspoof 2019 LA layout: the demo corpus
(`demo_la`), the open spoofing corpus (`open_spoof`), the kit they share (`kit`: speech sources, conditioning,
the layout's files, the ASV system), the classic spoofing attacks (`spoofing`), the TTS engines (`tts`) and the
shortcut report of a built corpus (`shortcuts.py`). May import: `asdf.base`, `asdf.data`, `asdf.metrics`,
`asdf.corpora` (the shortcut report reads the corpus it judges)."""
