"""The one error of the fairseq converter."""

from __future__ import annotations

from asdf.models.model_files import CheckpointError


class FairseqConversionError(CheckpointError):
    """A fairseq checkpoint cannot be read safely or converted."""
