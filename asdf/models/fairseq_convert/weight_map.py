"""fairseq wav2vec 2.0 weight names -> transformers `Wav2Vec2Model` weight names."""

from __future__ import annotations

import logging

import torch

from asdf.models.fairseq_convert.errors import FairseqConversionError

logger = logging.getLogger(__name__)

# Weights the pretraining objective needs and a feature encoder does not: dropped without a warning.
PRETRAINING_ONLY_PREFIXES = ("quantizer.", "input_quantizer.", "project_q.", "project_inp.", "final_proj.",
                             "target_glu.")
# Where fine-tuned models keep the wav2vec 2.0 weights; any other prefix is found by its feature extractor key.
KNOWN_PREFIXES = ("", "w2v_encoder.w2v_model.", "ssl_model.model.", "module.ssl_model.model.")
ANCHOR_KEY = "feature_extractor.conv_layers.0.0.weight"


def is_state_dict(value) -> bool:
    """Whether `value` is a non-empty dict of tensors only."""
    return isinstance(value, dict) and bool(value) and all(isinstance(v, torch.Tensor) for v in value.values())


def detect_prefix(keys) -> str:
    """The prefix in front of the wav2vec 2.0 keys (found by the first feature extractor convolution's key)."""
    candidates = sorted({key[:-len(ANCHOR_KEY)] for key in keys
                         if key.endswith(ANCHOR_KEY) and (key == ANCHOR_KEY or key[-len(ANCHOR_KEY) - 1] == ".")})
    if len(candidates) == 1:
        return candidates[0]
    if not candidates:
        raise FairseqConversionError(
            f"no wav2vec 2.0 weights found: no key ends with {ANCHOR_KEY!r} (tried prefixes such as "
            f"{', '.join(repr(p) for p in KNOWN_PREFIXES[1:])})")
    raise FairseqConversionError(f"several wav2vec 2.0 models in one state dict (prefixes {candidates}); "
                                 "name the one to convert")


def _pos_conv_target_names() -> tuple[str, str]:
    """transformers' names of the positional convolution's weight-norm magnitude and direction."""
    if hasattr(torch.nn.utils.parametrizations, "weight_norm"):  # what transformers uses when torch has it
        return "parametrizations.weight.original0", "parametrizations.weight.original1"
    return "weight_g", "weight_v"


def _key_pairs(config) -> list:
    """(fairseq key, transformers key) for every weight of a Wav2Vec2Model built from `config`."""
    pairs = []
    conv_params = ("weight", "bias") if config.conv_bias else ("weight",)
    for i in range(len(config.conv_dim)):
        pairs += [(f"feature_extractor.conv_layers.{i}.0.{p}", f"feature_extractor.conv_layers.{i}.conv.{p}")
                  for p in conv_params]
        if config.feat_extract_norm == "layer":  # fairseq: Sequential(TransposeLast, LayerNorm, TransposeLast)
            pairs += [(f"feature_extractor.conv_layers.{i}.2.1.{p}", f"feature_extractor.conv_layers.{i}.layer_norm.{p}")
                      for p in ("weight", "bias")]
        elif i == 0:  # group norm in the first block only
            pairs += [(f"feature_extractor.conv_layers.0.2.{p}", f"feature_extractor.conv_layers.0.layer_norm.{p}")
                      for p in ("weight", "bias")]
    pairs += [(f"layer_norm.{p}", f"feature_projection.layer_norm.{p}") for p in ("weight", "bias")]
    pairs += [(f"post_extract_proj.{p}", f"feature_projection.projection.{p}") for p in ("weight", "bias")]
    pairs += [(f"encoder.layer_norm.{p}", f"encoder.layer_norm.{p}") for p in ("weight", "bias")]
    layer_parts = {"self_attn.k_proj": "attention.k_proj", "self_attn.v_proj": "attention.v_proj",
                   "self_attn.q_proj": "attention.q_proj", "self_attn.out_proj": "attention.out_proj",
                   "self_attn_layer_norm": "layer_norm", "fc1": "feed_forward.intermediate_dense",
                   "fc2": "feed_forward.output_dense", "final_layer_norm": "final_layer_norm"}
    for n in range(config.num_hidden_layers):
        pairs += [(f"encoder.layers.{n}.{source}.{p}", f"encoder.layers.{n}.{target}.{p}")
                  for source, target in layer_parts.items() for p in ("weight", "bias")]
    if config.mask_time_prob > 0.0 or config.mask_feature_prob > 0.0:  # transformers keeps it only then
        pairs.append(("mask_emb", "masked_spec_embed"))
    return pairs


def _positional_conv(state: dict, missing: list) -> tuple[dict, list]:
    """The weight-normed positional convolution (fairseq: weight_norm(dim=2) -> weight_g (1, 1, K), weight_v)."""
    magnitude, direction = _pos_conv_target_names()
    target = "encoder.pos_conv_embed.conv."
    result, used = {}, []
    for g_name, v_name in (("weight_g", "weight_v"),
                           ("parametrizations.weight.original0", "parametrizations.weight.original1")):
        g_key, v_key = f"encoder.pos_conv.0.{g_name}", f"encoder.pos_conv.0.{v_name}"
        if g_key in state and v_key in state:
            result[target + magnitude], result[target + direction] = state[g_key], state[v_key]
            used += [g_key, v_key]
            break
    else:
        if "encoder.pos_conv.0.weight" in state:  # weight norm removed: any (norm, direction) split gives it back
            weight = state["encoder.pos_conv.0.weight"]
            result[target + magnitude] = torch.linalg.vector_norm(weight, dim=(0, 1), keepdim=True)
            result[target + direction] = weight
            used.append("encoder.pos_conv.0.weight")
        else:
            missing += ["encoder.pos_conv.0.weight_g", "encoder.pos_conv.0.weight_v"]
    if "encoder.pos_conv.0.bias" in state:
        result[target + "bias"] = state["encoder.pos_conv.0.bias"]
        used.append("encoder.pos_conv.0.bias")
    else:
        missing.append("encoder.pos_conv.0.bias")
    return result, used


def fairseq_to_transformers_state_dict(fairseq_state_dict: dict, config, prefix: str | None = None) -> dict:
    """The weights of a fairseq wav2vec 2.0 model under transformers' `Wav2Vec2Model` names.

    `prefix` is what precedes the wav2vec 2.0 keys (e.g. 'ssl_model.model.' in an SSL-AASIST checkpoint,
    'w2v_encoder.w2v_model.' in a fine-tuned ASR one); None finds it. Missing weights are an error naming them;
    pretraining-only weights (quantizer, project_q, final_proj, ...) are dropped; other unused keys are logged.
    """
    if prefix is None:
        prefix = detect_prefix(fairseq_state_dict)
    outside = [key for key in fairseq_state_dict if not key.startswith(prefix)]
    state = {key[len(prefix):]: value for key, value in fairseq_state_dict.items() if key.startswith(prefix)}
    if outside:
        logger.info("ignoring %d keys outside the wav2vec 2.0 prefix %r (e.g. %s)", len(outside), prefix,
                    ", ".join(outside[:3]))
    result, missing, used = {}, [], set()
    for source, target in _key_pairs(config):
        if source in state:
            result[target] = state[source]
            used.add(source)
        elif source.startswith("post_extract_proj.") and config.conv_dim[-1] == config.hidden_size:
            # fairseq has no projection when the features already have the model's width: an identity one
            dim = config.hidden_size
            result[target] = torch.eye(dim) if source.endswith("weight") else torch.zeros(dim)
        else:
            missing.append(source)
    pos_conv, pos_used = _positional_conv(state, missing)
    result.update(pos_conv)
    used.update(pos_used)
    if missing:
        raise FairseqConversionError(
            f"the fairseq state dict lacks {len(missing)} wav2vec 2.0 weights: "
            + ", ".join(prefix + key for key in missing[:20]) + (" ..." if len(missing) > 20 else ""))
    unused = sorted(key for key in set(state) - used
                    if not key.startswith(PRETRAINING_ONLY_PREFIXES) and key != "mask_emb")
    if unused:
        logger.warning("fairseq weights not used by Wav2Vec2Model: %s", ", ".join(prefix + key for key in unused))
    return result
