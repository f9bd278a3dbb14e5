"""The demo corpus: real speech and spoofs made from it, in the ASVspoof 2019 LA layout."""

from asdf.corpora.demo.build import COMPLETE_MARKER, prepare_demo_la

__all__ = ["COMPLETE_MARKER", "prepare_demo_la"]
