"""The corpus-building kit that the demo and open corpora share: the real speech they
are made of, the audio conditioning of every file, utterance ids, flac folders and protocol files of the ASVspoof
2019 LA layout, and the ASV system that scores their trials. May import: `asdf.base`, `asdf.data`,
`asdf.corpus_builders.spoofing` (its DSP helpers)."""
