"""fairseq wav2vec 2.0 -> transformers: tiny checkpoints written in fairseq's layout convert to the same model.

The fixtures pickle their config the way fairseq does: an omegaconf DictConfig (here fake classes registered under
omegaconf's module names only while saving, so the file refers to them as a real one would) or an argparse
Namespace (older fairseq). Neither fairseq nor omegaconf is needed to read them back.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import logging
import os
import re
import sys
import types
import typing

import pytest
import torch
from transformers import AutoModel, Wav2Vec2Config, Wav2Vec2Model

from asdf.cli.main import main
from asdf.models.fairseq_convert import (
    FairseqConversionError,
    convert_fairseq_checkpoint,
    fairseq_to_transformers_state_dict,
    load_fairseq_checkpoint,
    parse_conv_feature_layers,
    wav2vec2_config_from_fairseq,
)

CONV_LAYERS = "[(16, 10, 5)] + [(24, 3, 2)] * 2"


def _tiny_model(xlsr: bool) -> Wav2Vec2Model:
    """A tiny Wav2Vec2Model with every weight random (so a misplaced or swapped weight shows)."""
    config = Wav2Vec2Config(
        hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
        conv_dim=(16, 24, 24), conv_kernel=(10, 3, 3), conv_stride=(5, 2, 2), conv_bias=xlsr,
        feat_extract_norm="layer" if xlsr else "group", do_stable_layer_norm=xlsr,
        num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=4, mask_time_prob=0.5)
    torch.manual_seed(0 if xlsr else 1)
    model = Wav2Vec2Model(config)
    with torch.no_grad():
        for name, parameter in model.named_parameters():
            offset = 1.0 if "norm" in name and name.endswith("weight") else 0.0
            parameter.copy_(offset + 0.3 * torch.randn_like(parameter))
    return model.eval()


# fairseq name <- transformers name, written as rules on the names (the inverse of the converter's mapping)
_TO_FAIRSEQ_RULES = [
    (r"^feature_extractor\.conv_layers\.(\d+)\.conv\.", r"feature_extractor.conv_layers.\1.0."),
    (r"^feature_projection\.layer_norm\.", "layer_norm."),
    (r"^feature_projection\.projection\.", "post_extract_proj."),
    (r"^encoder\.pos_conv_embed\.conv\.(parametrizations\.weight\.original0|weight_g)$", "encoder.pos_conv.0.weight_g"),
    (r"^encoder\.pos_conv_embed\.conv\.(parametrizations\.weight\.original1|weight_v)$", "encoder.pos_conv.0.weight_v"),
    (r"^encoder\.pos_conv_embed\.conv\.bias$", "encoder.pos_conv.0.bias"),
    (r"\.attention\.", ".self_attn."),
    (r"^(encoder\.layers\.\d+)\.layer_norm\.", r"\1.self_attn_layer_norm."),
    (r"\.feed_forward\.intermediate_dense\.", ".fc1."),
    (r"\.feed_forward\.output_dense\.", ".fc2."),
    (r"^masked_spec_embed$", "mask_emb"),
]


def _fairseq_state_dict(model: Wav2Vec2Model, xlsr: bool) -> dict:
    """The model's weights under fairseq's names, with the pretraining-only weights fairseq also saves."""
    state = {}
    for name, value in model.state_dict().items():
        for pattern, replacement in _TO_FAIRSEQ_RULES:
            name = re.sub(pattern, replacement, name)
        # fairseq's layer-norm blocks are Sequential(TransposeLast, LayerNorm, TransposeLast); group norm is bare
        name = re.sub(r"^feature_extractor\.conv_layers\.(\d+)\.layer_norm\.",
                      r"feature_extractor.conv_layers.\1.2.1." if xlsr else r"feature_extractor.conv_layers.\1.2.",
                      name)
        state[name] = value.clone()
    state.update({"quantizer.vars": torch.randn(1, 8, 8), "quantizer.weight_proj.weight": torch.randn(8, 24),
                  "quantizer.weight_proj.bias": torch.randn(8), "project_q.weight": torch.randn(16, 8),
                  "project_q.bias": torch.randn(16), "final_proj.weight": torch.randn(16, 32),
                  "final_proj.bias": torch.randn(16)})
    return state


def _model_settings(xlsr: bool) -> dict:
    return {"_name": "wav2vec2", "extractor_mode": "layer_norm" if xlsr else "default", "encoder_layers": 2,
            "encoder_embed_dim": 32, "encoder_ffn_embed_dim": 64, "encoder_attention_heads": 2,
            "activation_fn": "gelu", "layer_type": "transformer", "dropout": 0.1, "attention_dropout": 0.1,
            "activation_dropout": 0.0, "encoder_layerdrop": 0.0, "dropout_input": 0.1, "dropout_features": 0.1,
            "final_dim": 16, "layer_norm_first": xlsr, "conv_feature_layers": CONV_LAYERS, "conv_bias": xlsr,
            "logit_temp": 0.1, "quantize_targets": True, "latent_vars": 4, "latent_groups": 2, "mask_length": 10,
            "mask_prob": 0.5, "mask_channel_prob": 0.0, "conv_pos": 16, "conv_pos_groups": 4,
            "pos_conv_depth": 1, "latent_temp": [2.0, 0.5, 0.999995], "required_seq_len_multiple": 2}


# --- fake omegaconf: the state layout of omegaconf 2.0's pickled containers (_metadata, _parent, _content) ---

_FAKE_CLASSES = {"omegaconf.dictconfig": ["DictConfig"], "omegaconf.listconfig": ["ListConfig"],
                 "omegaconf.base": ["ContainerMetadata", "Metadata"], "omegaconf.nodes": ["AnyNode"]}


@contextlib.contextmanager
def _fake_omegaconf():
    """Classes named like omegaconf's, importable under omegaconf's module paths only inside the block."""
    modules = {"omegaconf": types.ModuleType("omegaconf")}
    classes = {}
    for module_name, class_names in _FAKE_CLASSES.items():
        module = modules[module_name] = types.ModuleType(module_name)
        for class_name in class_names:
            cls = type(class_name, (), {"__module__": module_name, "__qualname__": class_name})
            setattr(module, class_name, cls)
            classes[class_name] = cls
    saved = {name: sys.modules.get(name) for name in modules}
    sys.modules.update(modules)
    try:
        yield classes
    finally:
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous


def _new(cls, **attributes):
    instance = cls.__new__(cls)
    instance.__dict__.update(attributes)
    return instance


def _omegaconf(classes: dict, value, parent=None, key=None):
    """`value` as omegaconf 2.0 would hold it: containers with metadata, leaves in AnyNodes."""
    if isinstance(value, (dict, list)):
        is_dict = isinstance(value, dict)
        metadata = _new(classes["ContainerMetadata"], ref_type=dict if is_dict else list, object_type=None,
                        optional=True, key=key, flags={"struct": True} if parent is None else {},
                        resolver_cache=collections.defaultdict(dict), key_type=typing.Any if is_dict else int,
                        element_type=typing.Any)
        container = _new(classes["DictConfig" if is_dict else "ListConfig"], _metadata=metadata, _parent=parent)
        items = value.items() if is_dict else enumerate(value)
        content = {k: _omegaconf(classes, v, container, k) for k, v in items}
        container._content = content if is_dict else list(content.values())
        return container
    metadata = _new(classes["Metadata"], ref_type=typing.Any, object_type=None, optional=True, key=key, flags={},
                    resolver_cache=collections.defaultdict(dict))
    return _new(classes["AnyNode"], _metadata=metadata, _parent=parent, _val=value)


def _training_state() -> dict:
    return {"optimizer_history": [{"criterion_name": "Wav2vecCriterion", "optimizer_name": "FairseqAdam",
                                   "lr_scheduler_state": {"best": 2.5}, "num_updates": 10}],
            "extra_state": {"metrics": collections.OrderedDict(), "previous_training_time": 12.5},
            "task_state": {}, "last_optimizer_state": {"state": {0: {"exp_avg": torch.zeros(3)}}}}


def _save_with_cfg(path, state: dict, settings: dict, **extra) -> None:
    """A newer fairseq checkpoint: `cfg` is a DictConfig whose `task` is an argparse.Namespace (fairseq's hack)."""
    with _fake_omegaconf() as classes:
        cfg = _omegaconf(classes, {"common": {"fp16": True, "seed": 1}, "model": settings,
                                   "checkpoint": {"save_dir": "checkpoints"}})
        task = argparse.Namespace(_name="audio_pretraining", data="/data", normalize=True, sample_rate=16000)
        cfg._content["task"] = _omegaconf(classes, task, cfg, "task")
        torch.save({"args": None, "cfg": cfg, "model": state, **_training_state(), **extra}, path)
    assert "omegaconf.dictconfig" not in sys.modules


def _save_with_args(path, state: dict, settings: dict) -> None:
    """An older fairseq checkpoint: the settings are a flat argparse.Namespace `args` and there is no `cfg`."""
    args = argparse.Namespace(arch="wav2vec2", task="audio_pretraining", lr=[0.0005], **{
        k: v for k, v in settings.items() if k != "_name"})
    torch.save({"args": args, "model": state, **_training_state()}, path)


def _assert_same_hidden_states(original: Wav2Vec2Model, converted_dir) -> None:
    converted = AutoModel.from_pretrained(converted_dir, local_files_only=True).eval()
    assert isinstance(converted, Wav2Vec2Model)
    audio = torch.randn(2, 4000, generator=torch.Generator().manual_seed(7))
    with torch.no_grad():
        expected = original(audio, output_hidden_states=True)
        actual = converted(audio, output_hidden_states=True)
    assert len(actual.hidden_states) == original.config.num_hidden_layers + 1
    torch.testing.assert_close(actual.extract_features, expected.extract_features, atol=1e-6, rtol=0)
    for got, want in zip(actual.hidden_states, expected.hidden_states, strict=True):
        torch.testing.assert_close(got, want, atol=1e-6, rtol=0)
    torch.testing.assert_close(actual.last_hidden_state, expected.last_hidden_state, atol=1e-6, rtol=0)


@pytest.fixture(scope="module")
def xlsr_checkpoint(tmp_path_factory):
    """(tiny XLS-R-like model, its fairseq checkpoint with a DictConfig cfg)."""
    model = _tiny_model(xlsr=True)
    path = tmp_path_factory.mktemp("xlsr") / "xlsr2_tiny.pt"
    _save_with_cfg(path, _fairseq_state_dict(model, xlsr=True), _model_settings(xlsr=True))
    return model, path


def test_xlsr_layout_with_dictconfig_converts_by_cli(xlsr_checkpoint, tmp_path, capsys):
    model, path = xlsr_checkpoint
    assert main(["convert-fairseq", str(path), str(tmp_path / "hf")]) == 0
    assert "wrote" in capsys.readouterr().err
    assert (tmp_path / "hf" / "model.safetensors").is_file()
    assert [p.name for p in tmp_path.iterdir()] == ["hf"]  # no temporary folder left beside it
    _assert_same_hidden_states(model, tmp_path / "hf")


def test_base_layout_with_args_namespace_converts(tmp_path):
    model = _tiny_model(xlsr=False)
    _save_with_args(tmp_path / "base.pt", _fairseq_state_dict(model, xlsr=False), _model_settings(xlsr=False))
    assert convert_fairseq_checkpoint(tmp_path / "base.pt", tmp_path / "hf") == tmp_path / "hf"
    _assert_same_hidden_states(model, tmp_path / "hf")


def test_ssl_aasist_prefixed_state_dict_converts_with_settings_of_the_pretrained_file(xlsr_checkpoint, tmp_path):
    model, pretrained = xlsr_checkpoint
    fine_tuned = {f"ssl_model.model.{k}": v for k, v in _fairseq_state_dict(model, xlsr=True).items()}
    fine_tuned.update({"LL.weight": torch.randn(128, 32), "out_layer.weight": torch.randn(2, 160)})
    torch.save(fine_tuned, tmp_path / "ssl_aasist.pth")
    with pytest.raises(FairseqConversionError, match="config-from"):
        convert_fairseq_checkpoint(tmp_path / "ssl_aasist.pth", tmp_path / "refused")
    convert_fairseq_checkpoint(tmp_path / "ssl_aasist.pth", tmp_path / "hf", config_from=pretrained)
    _assert_same_hidden_states(model, tmp_path / "hf")


def test_loader_turns_config_objects_into_plain_values(xlsr_checkpoint):
    checkpoint = load_fairseq_checkpoint(xlsr_checkpoint[1])
    cfg = checkpoint["cfg"]
    assert type(cfg) is dict and cfg["model"]["conv_feature_layers"] == CONV_LAYERS
    assert cfg["model"]["latent_temp"] == [2.0, 0.5, 0.999995]
    assert cfg["task"] == {"_name": "audio_pretraining", "data": "/data", "normalize": True, "sample_rate": 16000}
    assert checkpoint["optimizer_history"][0]["num_updates"] == 10


class _RunsShellWhenUnpickled:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


class _NotAConfig:
    pass


def test_checkpoint_with_code_is_refused_naming_the_global_and_nothing_runs(tmp_path):
    marker = tmp_path / "ran"
    state = _fairseq_state_dict(_tiny_model(xlsr=True), xlsr=True)
    _save_with_cfg(tmp_path / "evil.pt", state, _model_settings(xlsr=True),
                   extra_state={"hook": _RunsShellWhenUnpickled(marker)})
    with pytest.raises(FairseqConversionError, match=r"evil\.pt.*system") as error:
        load_fairseq_checkpoint(tmp_path / "evil.pt")
    assert os.system.__module__ in str(error.value)
    assert not marker.exists()

    torch.save({"args": _NotAConfig(), "model": state}, tmp_path / "odd.pt")
    with pytest.raises(FairseqConversionError, match="_NotAConfig"):
        convert_fairseq_checkpoint(tmp_path / "odd.pt", tmp_path / "hf")
    assert not (tmp_path / "hf").exists()


def test_missing_weight_is_named(xlsr_checkpoint, tmp_path):
    model, _ = xlsr_checkpoint
    state = _fairseq_state_dict(model, xlsr=True)
    del state["encoder.layers.1.fc2.weight"]
    _save_with_cfg(tmp_path / "partial.pt", state, _model_settings(xlsr=True))
    with pytest.raises(FairseqConversionError, match=r"encoder\.layers\.1\.fc2\.weight"):
        convert_fairseq_checkpoint(tmp_path / "partial.pt", tmp_path / "hf")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["partial.pt"]


def test_existing_out_dir_is_not_overwritten(xlsr_checkpoint, tmp_path, capsys):
    (tmp_path / "hf").mkdir()
    (tmp_path / "hf" / "keep.txt").write_text("mine")
    assert main(["convert-fairseq", str(xlsr_checkpoint[1]), str(tmp_path / "hf")]) == 2
    message = capsys.readouterr().err.strip()
    assert len(message.splitlines()) == 1 and "hf" in message and "overwrite" in message
    assert [p.name for p in (tmp_path / "hf").iterdir()] == ["keep.txt"]
    assert (tmp_path / "hf" / "keep.txt").read_text() == "mine"
    assert [p.name for p in tmp_path.iterdir()] == ["hf"]


def test_unexpected_keys_are_logged_and_pretraining_keys_dropped(xlsr_checkpoint, caplog):
    model, path = xlsr_checkpoint
    config = wav2vec2_config_from_fairseq(load_fairseq_checkpoint(path))
    state = _fairseq_state_dict(model, xlsr=True)
    state["encoder.extra_adapter.weight"] = torch.zeros(1)
    prefixed = {f"w2v_encoder.w2v_model.{k}": v for k, v in state.items()}
    prefixed["w2v_encoder.proj.weight"] = torch.zeros(4, 32)
    with caplog.at_level(logging.INFO, logger="asdf.models.fairseq_convert"):
        mapped = fairseq_to_transformers_state_dict(prefixed, config)
    assert set(mapped) == set(model.state_dict())
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "w2v_encoder.w2v_model.encoder.extra_adapter.weight" in warnings[0]
    assert "quantizer" not in warnings[0] and "final_proj" not in warnings[0]


def test_settings_layouts_and_refusals():
    settings = _model_settings(xlsr=True)
    fine_tuned = {"cfg": {"model": {"_name": "wav2vec_ctc", "w2v_args": {"model": settings}}}}
    config = wav2vec2_config_from_fairseq(fine_tuned)
    assert (config.hidden_size, config.do_stable_layer_norm, config.feat_extract_norm) == (32, True, "layer")
    assert list(config.conv_stride) == [5, 2, 2] and config.num_conv_pos_embedding_groups == 4
    with pytest.raises(FairseqConversionError, match="encoder_attention_heads"):
        wav2vec2_config_from_fairseq({"cfg": {"model": {k: v for k, v in settings.items()
                                                        if k != "encoder_attention_heads"}}})
    with pytest.raises(FairseqConversionError, match="hubert"):
        wav2vec2_config_from_fairseq({"cfg": {"model": {**settings, "_name": "hubert"}}})
    assert parse_conv_feature_layers(CONV_LAYERS) == [(16, 10, 5), (24, 3, 2), (24, 3, 2)]
    with pytest.raises(FairseqConversionError):
        parse_conv_feature_layers("__import__('os').system('true')")
