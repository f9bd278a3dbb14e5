"""SSL front end and SSL-AASIST, on tiny random transformers models saved in temporary folders (no network)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
import torch
from torch import nn
from transformers import HubertConfig, HubertModel, WavLMConfig, WavLMModel

from asdf.base.errors import ConfigError
from asdf.base.settings import ModelSettings
from asdf.models import MODEL_NAMES, build_model
from asdf.models.ssl import TINY_WAV2VEC2, SSLFrontEnd, load_ssl_model, save_tiny_model
from asdf.models.ssl_aasist import PRESET, SSLAASIST

# Measured from the published code (TakHemlata/SSL_Anti-spoofing, model.py at commit 4acaa61): its `Model`
# built with `SSLModel` replaced by a stub of out_dim 1024 (and `fairseq` by an empty module), summing
# p.numel() over named_parameters() whose names do not start with "ssl_model.".
PUBLISHED_BACK_END_PARAMETERS = 447_242
# tiny models with the feature encoder's real kernels and strides, in the library's tiny demo layout
TINY = {key: value for key, value in TINY_WAV2VEC2.items() if key not in ("do_stable_layer_norm", "feat_extract_norm")}
SECOND = 16000


def _save(tmp_path_factory, name, model_class, config) -> str:
    torch.manual_seed(0)
    folder = tmp_path_factory.mktemp(name)
    model_class(config).save_pretrained(folder)
    return str(folder)


@pytest.fixture(scope="module")
def wav2vec2(tmp_path_factory) -> str:
    """Folder of a tiny pre-LN wav2vec 2.0 (XLS-R's layout)."""
    return str(save_tiny_model(tmp_path_factory.mktemp("wav2vec2") / "tiny"))


def _build(folder: str, **ssl) -> SSLAASIST:
    torch.manual_seed(0)
    return build_model(ModelSettings(name="ssl-aasist", ssl_model=folder, **ssl))


class _Features(nn.Module):
    """A stand-in front end of width 1024 (XLS-R 300M's) that hands features through."""

    output_size = 1024

    def forward(self, features):
        return features

    def samples_for(self, frames):
        return frames


def test_back_end_matches_the_published_architecture():
    model = SSLAASIST(_Features(), **PRESET)
    assert sum(p.numel() for p in model.parameters()) == PUBLISHED_BACK_END_PARAMETERS
    state = model.state_dict()
    assert state["LL.weight"].shape == (128, 1024) and state["pos_S"].shape == (1, 42, 64)
    for key in ["first_bn.running_mean", "encoder.0.0.conv1.weight", "encoder.1.0.bn1.weight",
                "encoder.2.0.conv_downsample.weight", "encoder.5.0.conv2.bias", "first_bn1.weight",
                "attention.0.weight", "attention.2.running_var", "attention.3.bias", "master1", "master2",
                "GAT_layer_S.att_weight", "GAT_layer_T.bn.weight", "HtrgGAT_layer_ST11.att_weightM",
                "HtrgGAT_layer_ST22.proj_without_attM.bias", "pool_S.proj.weight", "pool_hT2.proj.bias",
                "out_layer.weight"]:
        assert key in state, key
    with torch.inference_mode():
        hidden, logits = model.eval()(torch.randn(2, 60, 1024))
    assert hidden.shape == (2, 160) and logits.shape == (2, 2)


def test_registered_and_built_from_a_folder(wav2vec2):
    assert "ssl-aasist" in MODEL_NAMES
    model = _build(wav2vec2)
    assert model.LL.in_features == 32  # the SSL model's hidden_size
    assert any(key.startswith("ssl_model.model.encoder.layers.1.") for key in model.state_dict())
    assert model.ssl_model.model.config.apply_spec_augment is False  # as fairseq with mask=False


def test_variable_lengths_give_finite_logits(wav2vec2):
    model = _build(wav2vec2).eval()
    with torch.inference_mode():
        for samples in (SECOND, 4 * SECOND, model.min_samples):
            hidden, logits = model(torch.randn(2, samples))
            assert hidden.shape == (2, 160) and logits.shape == (2, 2) and torch.isfinite(logits).all()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            assert torch.isfinite(model(torch.randn(2, SECOND))[1]).all()
        with pytest.raises(ValueError, match=str(model.min_samples)):
            model(torch.randn(1, model.min_samples - 1))


@pytest.mark.parametrize("model_class, config_class", [(WavLMModel, WavLMConfig), (HubertModel, HubertConfig)])
@pytest.mark.parametrize("freeze", [False, True])
def test_wavlm_and_hubert_learn_in_every_layer_unless_frozen(tmp_path_factory, model_class, config_class, freeze):
    # layerdrop 0: LayerDrop would skip a random layer in training, which then rightly learns nothing that step
    config = config_class(**TINY, layerdrop=0.0)
    model = _build(_save(tmp_path_factory, config_class.model_type, model_class, config), ssl_freeze=freeze)
    ssl = model.ssl_model.model
    assert type(ssl) is model_class
    _, logits = model.train()(torch.randn(2, SECOND))
    logits.sum().backward()
    assert logits.shape == (2, 2) and torch.isfinite(logits).all()
    learning = {"feature encoder": ssl.feature_extractor, "feature projection": ssl.feature_projection,
                **{f"transformer layer {index}": layer for index, layer in enumerate(ssl.encoder.layers)}}
    for name, part in learning.items():
        gradients = [parameter.grad for parameter in part.parameters()]
        if freeze:
            assert all(gradient is None for gradient in gradients), f"frozen {name} got gradients"
        else:
            assert all(gradient is not None and gradient.abs().sum() > 0 for gradient in gradients), name
    assert model.LL.weight.grad.abs().sum() > 0  # the back end learns either way


def test_layer_choice_changes_the_features(wav2vec2):
    waveforms = torch.randn(1, SECOND)
    ssl_model = load_ssl_model(wav2vec2)
    with torch.inference_mode():
        last = ssl_model(waveforms).last_hidden_state
        features = {layer: SSLFrontEnd(ssl_model, layer=layer).eval()(waveforms) for layer in (-1, 0, 1, 2)}
    torch.testing.assert_close(features[-1], last)
    torch.testing.assert_close(features[2], last)  # the last layer, whichever way it is named
    assert not torch.allclose(features[0], features[1]) and not torch.allclose(features[1], last)
    assert _build(wav2vec2, ssl_layer=1).ssl_model.layer == 1
    with pytest.raises(ConfigError, match="ssl_layer=3"):
        _build(wav2vec2, ssl_layer=3)


def test_weighted_layers_are_learnt(wav2vec2):
    model = _build(wav2vec2, ssl_weighted_layers=True)
    weights = model.ssl_model.layer_weights
    assert isinstance(weights, nn.Parameter) and weights.requires_grad and weights.shape == (3,)
    # LayerDrop is off, or skipped layers would shift the hidden states the weights apply to
    assert model.ssl_model.model.config.layerdrop == 0 < _build(wav2vec2).ssl_model.model.config.layerdrop
    for _ in range(3):
        model.train()(torch.randn(2, SECOND))[1].sum().backward()
    assert weights.grad is not None and weights.grad.abs().sum() > 0


def test_frozen_front_end_gets_no_gradients(wav2vec2):
    model = _build(wav2vec2, ssl_freeze=True).train()
    assert not model.ssl_model.model.training and model.LL.training
    model(torch.randn(2, SECOND))[1].sum().backward()
    assert all(p.grad is None and not p.requires_grad for p in model.ssl_model.model.parameters())
    assert model.LL.weight.grad is not None and model.out_layer.weight.grad is not None


def test_gradient_checkpointing_reaches_the_transformers_model(wav2vec2):
    model = _build(wav2vec2, ssl_gradient_checkpointing=True).train()
    assert any(getattr(m, "gradient_checkpointing", False) is True for m in model.ssl_model.model.modules())
    model(torch.randn(2, SECOND))[1].sum().backward()
    assert torch.isfinite(model.ssl_model.model.feature_projection.projection.weight.grad).all()
    assert not any(getattr(m, "gradient_checkpointing", False) is True for m in _build(wav2vec2).modules())


def test_normalisation_ignores_the_waveform_scale(wav2vec2):
    model = _build(wav2vec2, ssl_normalize=True).eval()
    waveforms = torch.randn(2, SECOND)
    with torch.inference_mode():
        torch.testing.assert_close(model(waveforms)[1], model(0.01 * waveforms)[1], rtol=0, atol=1e-4)


@pytest.fixture
def offline(monkeypatch, tmp_path):
    """An empty Hugging Face home, and a record of every attempt to reach the network (all refused)."""
    from huggingface_hub import constants

    attempts = []

    def refuse(*args, **kwargs):
        attempts.append(args)
        raise OSError("network access in a test")

    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "home" / "hub"))
    # huggingface_hub reads the variables at import; transformers reads this constant at each call
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "home" / "hub"))
    return tmp_path, attempts


@pytest.mark.parametrize("cache_dir", ["", "cache"])
def test_missing_model_says_where_it_looked_and_what_to_do(offline, cache_dir):
    tmp_path, attempts = offline
    cache = tmp_path / cache_dir if cache_dir else tmp_path / "home" / "hub"
    settings = ModelSettings(name="ssl-aasist", ssl_cache_dir=str(tmp_path / cache_dir) if cache_dir else "")
    with pytest.raises(ConfigError) as error:
        build_model(settings)
    message = str(error.value)
    for part in ["'facebook/wav2vec2-xls-r-300m'", str(cache), "model.ssl_allow_download=True",
                 "hf download facebook/wav2vec2-xls-r-300m", "save_pretrained", "asdf convert-fairseq"]:
        assert part in message, part
    assert attempts == []
    assert not [path for path in tmp_path.rglob("*") if path.is_file()]


def test_missing_folder_is_named(offline):
    tmp_path, attempts = offline
    with pytest.raises(ConfigError, match=f"{tmp_path / 'absent'}.*save_pretrained"):
        build_model(ModelSettings(name="ssl-aasist", ssl_model=str(tmp_path / "absent")))
    assert attempts == []


def test_cached_hub_id_loads_without_network(offline, wav2vec2):
    tmp_path, attempts = offline
    revision = "0" * 40
    snapshot = tmp_path / "cache" / "models--someone--tiny-ssl" / "snapshots" / revision
    snapshot.mkdir(parents=True)
    for file in Path(wav2vec2).iterdir():
        (snapshot / file.name).write_bytes(file.read_bytes())
    (snapshot.parents[1] / "refs").mkdir()
    (snapshot.parents[1] / "refs" / "main").write_text(revision)
    model = load_ssl_model("someone/tiny-ssl", allow_download=False, cache_dir=str(tmp_path / "cache"))
    assert model.config.hidden_size == 32 and attempts == []
