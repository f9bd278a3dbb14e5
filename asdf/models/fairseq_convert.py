"""fairseq wav2vec 2.0 / XLS-R checkpoints (e.g. `xlsr2_300m.pt`) -> a transformers `Wav2Vec2Model` folder.

Neither fairseq nor omegaconf is needed. A fairseq checkpoint is a `torch.save` pickle of a dict holding
`model` (the state dict), `cfg` (newer fairseq: a plain dict since mid-2021, an omegaconf `DictConfig` before; its
`model` section may itself be an `argparse.Namespace`) or `args` (older fairseq: an `argparse.Namespace`), and
training state (`optimizer_history`, `last_optimizer_state`, `extra_state`, `task_state`, ...).

`torch.load(weights_only=True)` refuses such a file because of the config objects. `load_fairseq_checkpoint` still
uses torch's weights-only unpickler (tensors, storages and plain containers as torch allows them) and allowlists,
under the names the file refers to, a few inert stand-in classes for the config objects: they only record the
state the pickle hands them and never import or call the real class. Everything else is refused with an error
naming the global. The stand-ins are then turned into plain dicts, lists and values.
"""

from __future__ import annotations

import argparse
import ast
import logging
import os
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Any

import torch

from asdf.models.checkpoint import CheckpointError

logger = logging.getLogger(__name__)

# Weights the pretraining objective needs and a feature encoder does not: dropped without a warning.
PRETRAINING_ONLY_PREFIXES = ("quantizer.", "input_quantizer.", "project_q.", "project_inp.", "final_proj.",
                             "target_glu.")
# Where fine-tuned models keep the wav2vec 2.0 weights; any other prefix is found by its feature extractor key.
KNOWN_PREFIXES = ("", "w2v_encoder.w2v_model.", "ssl_model.model.", "module.ssl_model.model.")
ANCHOR_KEY = "feature_extractor.conv_layers.0.0.weight"

# fairseq activation_fn -> transformers hidden_act (same function)
ACTIVATIONS = {"gelu": "gelu", "relu": "relu", "gelu_accurate": "gelu_accurate", "gelu_fast": "gelu_accurate",
               "tanh": "tanh", "linear": "linear", "swish": "swish", "relu_squared": "relu2"}
REQUIRED_FIELDS = ("encoder_embed_dim", "encoder_layers", "encoder_attention_heads", "encoder_ffn_embed_dim",
                   "conv_feature_layers")


class FairseqConversionError(CheckpointError):
    """A fairseq checkpoint cannot be read safely or converted."""


# ---------------------------------------------------------------------------------------------------------------
# Safe loading


class PickledRecord:
    """Stand-in for an object of a class we never construct: it keeps the arguments and state the pickle gives."""

    pickled_name = "?"

    def __new__(cls, *args, **kwargs):
        record = object.__new__(cls)
        record.pickled_args = args
        record.pickled_state = None
        return record

    def __init__(self, *args, **kwargs):
        pass

    def __setstate__(self, state):
        self.pickled_state = state

    def __repr__(self) -> str:
        return f"<pickled {self.pickled_name}>"


class GlobalReference:
    """Stand-in for a class or typing name the pickle only refers to (e.g. `typing.Any` as a type annotation)."""

    def __init__(self, name: str):
        self.name = name

    def __repr__(self) -> str:
        return self.name


def _new_defaultdict(*args):
    """`collections.defaultdict(factory)` as a plain dict (the factory is not kept)."""
    return {}


_OMEGACONF_NODES = ("AnyNode", "StringNode", "IntegerNode", "FloatNode", "BooleanNode", "EnumNode", "BytesNode",
                    "PathNode", "ValueNode", "InterpolationResultNode")
ENUM_CLASSES = ("fairseq.dataclass.constants.Choices",)  # settings saved before fairseq's enum_to_str (2021)
RECORDED_CLASSES = (
    "argparse.Namespace",
    "omegaconf.dictconfig.DictConfig",
    "omegaconf.listconfig.ListConfig",
    "omegaconf.base.ContainerMetadata",
    "omegaconf.base.Metadata",
    *(f"omegaconf.nodes.{node}" for node in _OMEGACONF_NODES),
    # training bookkeeping that may sit beside the weights: numpy scalars in meters, a fine-tuning dictionary
    "numpy.core.multiarray.scalar", "numpy._core.multiarray.scalar", "numpy.dtype",
    "numpy.core.multiarray._reconstruct", "numpy._core.multiarray._reconstruct", "numpy.ndarray",
    "fairseq.data.dictionary.Dictionary",
    *ENUM_CLASSES,
)
REFERENCED_NAMES = ("typing.Any", "typing.Dict", "typing.List", "typing.Tuple", "typing.Optional", "typing.Union",
                    "builtins.dict", "builtins.list", "builtins.tuple", "builtins.int", "builtins.float",
                    "builtins.str", "builtins.bool", "builtins.bytes", "builtins.object")

_RECORD_TYPES = {name: type(name.rsplit(".", 1)[1], (PickledRecord,), {"pickled_name": name})
                 for name in RECORDED_CLASSES}
_SAFE_GLOBALS = ([(record_type, name) for name, record_type in _RECORD_TYPES.items()]
                 + [(GlobalReference(name), name) for name in REFERENCED_NAMES]
                 + [(_new_defaultdict, "collections.defaultdict")])


def _refused_globals(path: Path, error: Exception) -> list:
    """The globals of the checkpoint that the loader refuses (read from its opcodes, nothing is run)."""
    names = list(dict.fromkeys(re.findall(r"GLOBAL (\S+)", str(error))))
    if not names:
        try:
            with torch.serialization.safe_globals(_SAFE_GLOBALS):
                names = sorted(torch.serialization.get_unsafe_globals_in_checkpoint(path))
        except Exception:  # not a zip checkpoint, or unreadable: the torch message is all there is
            names = []
    return names


def load_fairseq_checkpoint(path) -> dict:
    """The fairseq checkpoint at `path` as plain dicts, lists, values and tensors; no code in it is run."""
    path = Path(path)
    if not path.is_file():
        raise FairseqConversionError(f"fairseq checkpoint {path} does not exist")
    try:
        with torch.serialization.safe_globals(_SAFE_GLOBALS):
            content = torch.load(path, map_location="cpu", weights_only=True, mmap=zipfile.is_zipfile(path))
    except Exception as error:  # the unpickler and the zip reader raise several types
        refused = _refused_globals(path, error)
        if refused:
            raise FairseqConversionError(
                f"refusing fairseq checkpoint {path}: it pickles {', '.join(refused)}, which is neither a tensor, "
                "a plain container nor a known fairseq/omegaconf config class (nothing in the file was run)"
            ) from error
        raise FairseqConversionError(f"cannot read fairseq checkpoint {path}: {_one_line(error)}") from error
    return _plain(content, {})


def _one_line(error: Exception) -> str:
    """The gist of a (possibly long, multi-line) torch.load error."""
    text = str(error)
    if "WeightsUnpickler error:" in text:
        text = text.split("WeightsUnpickler error:", 1)[1]
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


def _plain(value, seen: dict):
    """Config stand-ins -> plain dicts/lists/values; tensors and other values are returned as they are."""
    if isinstance(value, torch.Tensor):
        return value
    key = id(value)
    if key in seen:
        return seen[key]
    if isinstance(value, dict):
        result = type(value)() if type(value) is not dict else {}
        seen[key] = result
        for name, item in value.items():
            result[name] = _plain(item, seen)
        return result
    if isinstance(value, list):
        result = []
        seen[key] = result
        result.extend(_plain(item, seen) for item in value)
        return result
    if isinstance(value, tuple):
        return tuple(_plain(item, seen) for item in value)
    if isinstance(value, GlobalReference):
        return value.name
    if isinstance(value, argparse.Namespace):  # the real class, where a caller allowlisted it for torch.load
        return _plain(vars(value), seen)
    if isinstance(value, PickledRecord):
        return _plain_record(value, seen)
    return value


def _record_state(record: PickledRecord) -> dict:
    state = record.pickled_state
    if isinstance(state, tuple) and len(state) == 2 and isinstance(state[0], (dict, type(None))):
        state = state[0]  # (dict state, slot state)
    return state if isinstance(state, dict) else {}


def _plain_record(record: PickledRecord, seen: dict):
    name = record.pickled_name
    state = _record_state(record)
    if name == "argparse.Namespace":
        result = {}
        seen[id(record)] = result
        result.update((field, _plain(item, seen)) for field, item in state.items())
        return result
    if name in ("omegaconf.dictconfig.DictConfig", "omegaconf.listconfig.ListConfig"):
        # state: _metadata (ContainerMetadata), _parent (the enclosing container), _content (dict/list of nodes,
        # or None, or a string such as '???' or an interpolation)
        content = state.get("_content")
        if isinstance(content, (dict, list)):
            result = {} if isinstance(content, dict) else []
            seen[id(record)] = result
            if isinstance(content, dict):
                result.update((field, _plain(item, seen)) for field, item in content.items())
            else:
                result.extend(_plain(item, seen) for item in content)
            return result
        return content
    if name.startswith("omegaconf.nodes."):
        return _plain(state.get("_val"), seen)
    if name in ENUM_CLASSES:  # pickled as Class(value)
        return _plain(record.pickled_args[0], seen) if record.pickled_args else None
    return record  # bookkeeping objects nobody reads: kept as inert records


# ---------------------------------------------------------------------------------------------------------------
# Config


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


def _is_state_dict(value) -> bool:
    return isinstance(value, dict) and bool(value) and all(isinstance(v, torch.Tensor) for v in value.values())


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
        elif "cfg" in current or "args" in current or _is_state_dict(current) or _is_state_dict(current.get("model")):
            raise FairseqConversionError(
                f"the fairseq {where} holds no model settings ('cfg' or 'args'); take them from the pretrained "
                "checkpoint it started from (e.g. the original xlsr2_300m.pt: --config-from)")
        elif isinstance(current.get("model"), dict) and not _is_state_dict(current["model"]):
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


def wav2vec2_config_from_fairseq(cfg_dict: dict):
    """A `transformers.Wav2Vec2Config` equal in architecture to the fairseq wav2vec 2.0 settings in `cfg_dict`."""
    from transformers import Wav2Vec2Config

    fields, where = fairseq_model_fields(cfg_dict)
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


# ---------------------------------------------------------------------------------------------------------------
# Weights


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


# ---------------------------------------------------------------------------------------------------------------
# Conversion


def _check_out_dir(out_dir: Path) -> None:
    if out_dir.exists() and (not out_dir.is_dir() or any(out_dir.iterdir())):
        raise FairseqConversionError(f"{out_dir} exists and is not an empty folder; refusing to overwrite it")


def _state_dict_of(checkpoint: dict, path: Path) -> dict:
    if _is_state_dict(checkpoint.get("model")):
        return checkpoint["model"]
    tensors = {key: value for key, value in checkpoint.items() if isinstance(value, torch.Tensor)}
    if tensors and len(tensors) == len(checkpoint):  # a bare state dict, e.g. a fine-tuned SSL-AASIST model
        return tensors
    raise FairseqConversionError(f"fairseq checkpoint {path} holds no 'model' state dict")


def _shape_problems(model, weights: dict) -> list:
    expected = model.state_dict()
    return [f"{key}: {tuple(weights[key].shape)} in the checkpoint, {tuple(expected[key].shape)} in the model"
            for key in sorted(set(expected) & set(weights)) if expected[key].shape != weights[key].shape]


def convert_fairseq_checkpoint(path, out_dir, prefix: str | None = None, config_from=None) -> Path:
    """Convert the fairseq wav2vec 2.0 checkpoint at `path` into a transformers folder `out_dir` (safetensors).

    `config_from`: a fairseq checkpoint whose settings describe the model, for a checkpoint that has none (a
    fine-tuned SSL-AASIST state dict: pass the xlsr2_300m.pt it started from). The folder is written beside
    `out_dir` and renamed into place; an existing non-empty `out_dir` is refused. Returns `out_dir`.
    """
    from transformers import Wav2Vec2Model

    path, out_dir = Path(path), Path(out_dir)
    _check_out_dir(out_dir)
    checkpoint = load_fairseq_checkpoint(path)
    settings = load_fairseq_checkpoint(config_from) if config_from is not None else checkpoint
    try:
        config = wav2vec2_config_from_fairseq(settings)
    except FairseqConversionError as error:
        source = config_from if config_from is not None else path
        raise FairseqConversionError(f"{source}: {error}") from error
    weights = fairseq_to_transformers_state_dict(_state_dict_of(checkpoint, path), config, prefix)
    model = Wav2Vec2Model(config)
    problems = _shape_problems(model, weights)
    if problems:
        raise FairseqConversionError(f"fairseq checkpoint {path} does not fit its own settings: "
                                     + "; ".join(problems[:10]))
    model.load_state_dict(weights, strict=True)
    model.eval()

    out_dir.parent.mkdir(parents=True, exist_ok=True)
    temporary = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", suffix=".tmp", dir=out_dir.parent))
    try:
        model.save_pretrained(temporary)
        _check_out_dir(out_dir)
        if out_dir.exists():
            out_dir.rmdir()  # empty: replaced by the written folder
        os.rename(temporary, out_dir)
    finally:
        if temporary.exists():
            shutil.rmtree(temporary)
    logger.info("converted %s (%d layers, hidden size %d) -> %s", path, config.num_hidden_layers,
                config.hidden_size, out_dir)
    return out_dir
