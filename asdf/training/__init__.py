"""Training: optimiser and schedule, the epoch loop, checkpoints, resume and weight averaging.
May import: `asdf.base`, `asdf.data`, `asdf.compute`, `asdf.augment`, `asdf.metrics`, `asdf.models`,
`asdf.inference` (dev scoring)."""
