"""The demo corpus: real speech and spoofs made from it by the classic attacks, in
the ASVspoof 2019 LA layout (`prepare_demo_la`). May import: `asdf.base`, `asdf.data`, `asdf.corpus_builders.kit`,
`asdf.corpus_builders.spoofing`."""

from asdf.corpus_builders.demo_la.build import COMPLETE_MARKER, prepare_demo_la

__all__ = ["COMPLETE_MARKER", "prepare_demo_la"]
