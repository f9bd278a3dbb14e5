"""fairseq wav2vec 2.0 / XLS-R checkpoints (e.g. `xlsr2_300m.pt`) -> a transformers
`Wav2Vec2Model` folder, with neither fairseq nor omegaconf: `unpickling` reads the checkpoint without running
anything in it, `config_map` turns its settings into a `Wav2Vec2Config`, `weight_map` renames its weights, and
`convert` writes the folder. May import: `asdf.base`, `asdf.models.model_files`."""

from __future__ import annotations

from asdf.models.fairseq_convert.config_map import (
    fairseq_model_fields,
    parse_conv_feature_layers,
    wav2vec2_config_from_fairseq,
)
from asdf.models.fairseq_convert.convert import convert_fairseq_checkpoint
from asdf.models.fairseq_convert.errors import FairseqConversionError
from asdf.models.fairseq_convert.unpickling import load_fairseq_checkpoint
from asdf.models.fairseq_convert.weight_map import detect_prefix, fairseq_to_transformers_state_dict

__all__ = [
    "FairseqConversionError",
    "convert_fairseq_checkpoint",
    "detect_prefix",
    "fairseq_model_fields",
    "fairseq_to_transformers_state_dict",
    "load_fairseq_checkpoint",
    "parse_conv_feature_layers",
    "wav2vec2_config_from_fairseq",
]
