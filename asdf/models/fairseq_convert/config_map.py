"""fairseq wav2vec 2.0 model settings -> the equivalent `transformers.Wav2Vec2Config`."""

from __future__ import annotations

import ast
import logging

from asdf.models.fairseq_convert.errors import FairseqConversionError
from asdf.models.fairseq_convert.weight_map import is_state_dict

logger = logging.getLogger(__name__)

# fairseq activation_fn -> transformers hidden_act (same function)
ACTIVATIONS = {"gelu": "gelu", "relu": "relu", "gelu_accurate": "gelu_accurate", "gelu_fast": "gelu_accurate",
               "tanh": "tanh", "linear": "linear", "swish": "swish", "relu_squared": "relu2"}
REQUIRED_FIELDS = ("encoder_embed_dim", "encoder_layers", "encoder_attention_heads", "encoder_ffn_embed_dim",
                   "conv_feature_layers")


def parse_conv_feature_layers(text: str) -> list:
    """fairseq's `conv_feature_layers` string, e.g. "[(512, 10, 5)] + [(512, 3, 2)] * 4", as [(dim, kernel, stride)].

    List literals are read with `ast.literal_eval`; only `+` between lists and `* int` are allowed around them.
    """
    if not isinstance(text, str):
        raise FairseqConversionError(f"conv_feature_layers must be a string, got {text!r}")
    try:
        tree = ast.parse(text.strip(), mode="eval").body
    except SyntaxError as error:
        raise FairseqConversionError(f"conv_feature_layers {text!r} is not a list expression: {error}") from error

    def evaluate(node):
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            left, right = evaluate(node.left), evaluate(node.right)
            if isinstance(left, list) and isinstance(right, list):
                return left + right
        elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            left, right = evaluate(node.left), evaluate(node.right)
            if isinstance(left, list) and type(right) is int and 0 <= right <= 1000:
                return left * right
            if isinstance(right, list) and type(left) is int and 0 <= left <= 1000:
                return right * left
        else:
            try:
                return ast.literal_eval(node)
            except (ValueError, TypeError, SyntaxError):
                pass
        raise FairseqConversionError(
            f"conv_feature_layers {text!r}: only list literals joined by + and repeated by * are understood")

    layers = evaluate(tree)
    if not isinstance(layers, list) or not layers or not all(
            isinstance(layer, (tuple, list)) and len(layer) == 3
            and all(type(v) is int and v > 0 for v in layer) for layer in layers):
        raise FairseqConversionError(
            f"conv_feature_layers {text!r} is not a non-empty list of (dim, kernel, stride) positive integers")
    return [tuple(layer) for layer in layers]


def fairseq_model_fields(source: dict) -> tuple[dict, str]:
    """The wav2vec 2.0 model settings in `source` and where they were found.

    `source` is a loaded checkpoint (with `cfg` or `args`), its `cfg` (with a `model` section) or a flat dict of
    model settings; a fine-tuned model's `w2v_args` (the pretraining settings) is followed.
    """
    where = "checkpoint"
    current = source
    for _ in range(8):  # cfg -> model -> w2v_args -> model ...
        if not isinstance(current, dict):
            raise FairseqConversionError(f"fairseq config at {where} is a {type(current).__name__}, not a mapping")
        if current.get("cfg") is not None:
            current, where = current["cfg"], f"{where}['cfg']"
        elif current.get("args") is not None:
            current, where = current["args"], f"{where}['args']"
        elif "cfg" in current or "args" in current or is_state_dict(current) or is_state_dict(current.get("model")):
            raise FairseqConversionError(
                f"the fairseq {where} holds no model settings ('cfg' or 'args'); take them from the pretrained "
                "checkpoint it started from (e.g. the original xlsr2_300m.pt: --config-from)")
        elif isinstance(current.get("model"), dict) and not is_state_dict(current["model"]):
            current, where = current["model"], f"{where}['model']"
        elif current.get("w2v_args") is not None:
            current, where = current["w2v_args"], f"{where}['w2v_args']"
        else:
            return current, where
    raise FairseqConversionError(f"fairseq config nests too deeply at {where}")


def _field(fields: dict, name: str, where: str, kind, default=None):
    value = fields.get(name, default)
    if value is None:
        raise FairseqConversionError(f"fairseq config {where} has no {name!r} setting")
    try:
        if kind is bool:
            if isinstance(value, str):
                if value.lower() not in ("true", "false"):
                    raise ValueError(value)
                return value.lower() == "true"
            return bool(value)
        if kind is int and (isinstance(value, bool) or float(value) != int(value)):
            raise ValueError(value)
        return kind(value)
    except (TypeError, ValueError) as error:
        raise FairseqConversionError(f"fairseq config {where}: {name}={value!r} is not a {kind.__name__}") from error


def _check_wav2vec2_fields(fields: dict, where: str) -> None:
    """Refuses settings that are not a wav2vec 2.0 model's or that transformers cannot reproduce."""
    if "encoder_embed_dim" not in fields and fields.get("w2v_path"):
        raise FairseqConversionError(
            f"fairseq config {where} is a fine-tuned model without the pretrained model's settings (w2v_args); "
            f"take them from w2v_path={fields['w2v_path']!r} (--config-from)")
    for name in REQUIRED_FIELDS:
        if name not in fields:
            raise FairseqConversionError(
                f"fairseq config {where} has no {name!r} setting: not a wav2vec 2.0 model config "
                f"(settings found: {', '.join(sorted(map(str, fields))[:20]) or 'none'})")
    model_name = fields.get("_name", fields.get("arch"))
    if model_name is not None and not str(model_name).startswith("wav2vec2"):
        raise FairseqConversionError(f"fairseq model {model_name!r} ({where}) is not a wav2vec 2.0 model")
    unsupported = {"layer_type": ("transformer", fields.get("layer_type", "transformer")),
                   "pos_conv_depth": (1, fields.get("pos_conv_depth", 1)),
                   "conv_pos_batch_norm": (False, bool(fields.get("conv_pos_batch_norm", False))),
                   "quantize_input": (False, bool(fields.get("quantize_input", False))),
                   "adp_num": (-1, fields.get("adp_num", -1))}
    for name, (supported, value) in unsupported.items():
        if value != supported:
            raise FairseqConversionError(
                f"fairseq config {where}: {name}={value!r} has no transformers Wav2Vec2Model equivalent")
    if int(fields.get("crop_seq_to_multiple", 1) or 1) > 1:
        logger.warning("fairseq crop_seq_to_multiple=%s is not reproduced: transformers keeps all frames",
                       fields["crop_seq_to_multiple"])


def wav2vec2_config_from_fairseq(cfg_dict: dict):
    """A `transformers.Wav2Vec2Config` equal in architecture to the fairseq wav2vec 2.0 settings in `cfg_dict`."""
    from transformers import Wav2Vec2Config

    fields, where = fairseq_model_fields(cfg_dict)
    _check_wav2vec2_fields(fields, where)
    layers = parse_conv_feature_layers(fields["conv_feature_layers"])
    extractor_mode = str(fields.get("extractor_mode", "default"))
    if extractor_mode not in ("default", "layer_norm"):
        raise FairseqConversionError(f"fairseq config {where}: extractor_mode={extractor_mode!r} is unknown")
    activation = str(fields.get("activation_fn", "gelu"))
    if activation not in ACTIVATIONS:
        raise FairseqConversionError(f"fairseq config {where}: activation_fn={activation!r} is not supported")
    hidden = _field(fields, "encoder_embed_dim", where, int)
    final_dim = _field(fields, "final_dim", where, int, 0) or hidden
    latent_dim = _field(fields, "latent_dim", where, int, 0) or final_dim
    return Wav2Vec2Config(
        hidden_size=hidden,
        num_hidden_layers=_field(fields, "encoder_layers", where, int),
        num_attention_heads=_field(fields, "encoder_attention_heads", where, int),
        intermediate_size=_field(fields, "encoder_ffn_embed_dim", where, int),
        hidden_act=ACTIVATIONS[activation],
        hidden_dropout=_field(fields, "dropout", where, float, 0.1),
        attention_dropout=_field(fields, "attention_dropout", where, float, 0.1),
        activation_dropout=_field(fields, "activation_dropout", where, float, 0.0),
        feat_proj_dropout=_field(fields, "dropout_input", where, float, 0.0),
        layerdrop=_field(fields, "encoder_layerdrop", where, float, 0.0),
        layer_norm_eps=1e-5,
        feat_extract_norm="layer" if extractor_mode == "layer_norm" else "group",
        feat_extract_activation="gelu",
        conv_dim=[layer[0] for layer in layers],
        conv_kernel=[layer[1] for layer in layers],
        conv_stride=[layer[2] for layer in layers],
        conv_bias=_field(fields, "conv_bias", where, bool, False),
        num_conv_pos_embeddings=_field(fields, "conv_pos", where, int, 128),
        num_conv_pos_embedding_groups=_field(fields, "conv_pos_groups", where, int, 16),
        do_stable_layer_norm=_field(fields, "layer_norm_first", where, bool, False),
        mask_time_prob=_field(fields, "mask_prob", where, float, 0.65),
        mask_time_length=_field(fields, "mask_length", where, int, 10),
        mask_feature_prob=_field(fields, "mask_channel_prob", where, float, 0.0),
        mask_feature_length=_field(fields, "mask_channel_length", where, int, 10),
        num_codevectors_per_group=_field(fields, "latent_vars", where, int, 320),
        num_codevector_groups=_field(fields, "latent_groups", where, int, 2),
        contrastive_logits_temperature=_field(fields, "logit_temp", where, float, 0.1),
        num_negatives=_field(fields, "num_negatives", where, int, 100),
        codevector_dim=latent_dim,
        proj_codevector_dim=final_dim,
        # no SpecAugment-style masking in training mode unless asked for: the SSL-AASIST recipe runs the fairseq
        # model with mask=False; mask_time_prob keeps fairseq's value so that mask_emb is kept
        apply_spec_augment=False,
    )
