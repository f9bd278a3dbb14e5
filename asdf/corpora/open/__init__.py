"""The open spoofing corpus: real speech and fakes from many free synthesis engines, in the ASVspoof 2019 LA layout."""

from asdf.corpora.open.build import COMPLETE_MARKER, build_open_spoof
from asdf.corpora.open.inventory import inventory_table

__all__ = ["COMPLETE_MARKER", "build_open_spoof", "inventory_table"]
