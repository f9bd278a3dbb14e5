"""The recipe runner: run configs name stages, each stage runs when its inputs or settings changed
(freshness), settings are checked against the registries before anything runs, and `run.py status` reads where
runs stand from their files. May import: `asdf.base`, `asdf.compute`, `asdf.augment`, `asdf.corpora`,
`asdf.models`, `asdf.reports`, `asdf.training` (the registries that settings name)."""
