"""Data between files and tensors: audio decoding, the loudness levels that spot silent files, utterance
lists, protocol and score files, and the batches a model eats. May import: `asdf.base`, `asdf.metrics`
(the sign check of a score file)."""
