"""The base every other part stands on: errors a user can act on, atomic file writes, logging, progress
lines, figures without a display, the typed settings and their language, and the output layout of a recipe run
(`paths.py`, the only place that names output files). May import: nothing from asdf."""
