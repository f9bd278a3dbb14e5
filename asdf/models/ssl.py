"""Self-supervised (SSL) speech front ends from `transformers`: wav2vec 2.0 / XLS-R, HuBERT, WavLM.

`load_ssl_model` reads a pretrained model from a local folder or the Hugging Face cache and downloads only
when allowed; `SSLFrontEnd` turns waveforms into frame features: one hidden layer or a learnt weighted sum.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
from pathlib import Path

import torch
from torch import nn

from asdf.base.errors import ConfigError

logger = logging.getLogger(__name__)

DEFAULT_SSL_MODEL = "facebook/wav2vec2-xls-r-300m"  # the weights of fairseq's xlsr2_300m.pt
NORMALIZE_EPS = 1e-7  # as the transformers feature extractors' zero-mean unit-variance normalisation


class SSLModelNotFoundError(ConfigError):
    """The SSL model named by model.ssl_model is not available here (and may not be downloaded)."""


def _is_local(source: str) -> bool:
    """Whether `source` names a folder rather than a hub id ('owner/name' or 'name')."""
    path = Path(source).expanduser()
    return path.is_dir() or source.startswith(("/", ".", "~", "\\")) or source.count("/") > 1 or "\\" in source


def _remedies(hub_id: str) -> str:
    return (
        "Provide it in one of these ways: run once with model.ssl_allow_download=True on a machine with network "
        f"access (it is then cached); or download it yourself with `hf download {hub_id}` (set HF_HOME or "
        "model.ssl_cache_dir to the cache it goes to); or set model.ssl_model to a local folder written by "
        "`save_pretrained`; or convert fairseq's xlsr2_300m.pt into such a folder with `asdf convert-fairseq`."
    )


@contextlib.contextmanager
def _hub_offline(offline: bool):
    """huggingface_hub's offline mode while loading locally: with local_files_only alone, it still goes
    online for its telemetry (huggingface_hub 2.x fetches an agent registry when building request headers)."""
    from huggingface_hub import constants

    saved = constants.HF_HUB_OFFLINE
    constants.HF_HUB_OFFLINE = saved or offline
    try:
        yield
    finally:
        constants.HF_HUB_OFFLINE = saved


def _from_pretrained(source: str, local_only: bool, cache_dir: str) -> nn.Module:
    from transformers import AutoModel  # imported here: transformers is slow to import and only SSL models need it

    # apply_spec_augment=False: no time masking of the features in training, as the published SSL-AASIST
    # (fairseq, mask=False); float(): train in float32 whatever the checkpoint's dtype (AMP is autocast's job)
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()  # a bar per load would clutter `tail -f` logs; loading is quick
    with _hub_offline(local_only):
        model = AutoModel.from_pretrained(
            source, local_files_only=local_only, cache_dir=cache_dir or None, apply_spec_augment=False
        )
    return model.float()


def load_ssl_model(source: str = DEFAULT_SSL_MODEL, allow_download: bool = False, cache_dir: str = "") -> nn.Module:
    """The transformers model in the folder `source`, or of the hub id `source` (downloaded only if allowed).

    Raises SSLModelNotFoundError naming where it looked and how to provide the model.
    """
    if _is_local(source):
        return _load_folder(Path(source).expanduser().resolve())
    from huggingface_hub import constants

    cache = cache_dir or constants.HF_HUB_CACHE
    try:
        return _from_pretrained(source, True, cache_dir)
    except (OSError, ValueError) as error:
        if not allow_download:
            raise SSLModelNotFoundError(
                f"SSL model {source!r} (model.ssl_model) is not in the Hugging Face cache {cache} "
                "(model.ssl_cache_dir, else $HF_HUB_CACHE or $HF_HOME/hub), and downloads are off "
                f"(model.ssl_allow_download=False). {_remedies(source)}"
            ) from error
    logger.warning("downloading SSL model %s from the Hugging Face Hub into %s", source, cache)
    try:
        return _from_pretrained(source, False, cache_dir)
    except (OSError, ValueError) as error:
        raise SSLModelNotFoundError(f"cannot download SSL model {source!r} into {cache}: {error}. "
                                    f"{_remedies(source)}") from error


def _load_folder(folder: Path) -> nn.Module:
    if not (folder / "config.json").is_file():
        raise SSLModelNotFoundError(
            f"SSL model folder {folder} (model.ssl_model) does not exist or has no config.json. Set "
            "model.ssl_model to a folder written by `save_pretrained` or `asdf convert-fairseq`, or to a "
            f"hub id such as {DEFAULT_SSL_MODEL!r} (see model.ssl_allow_download)."
        )
    try:
        return _from_pretrained(str(folder), True, "")
    except (OSError, ValueError) as error:
        raise SSLModelNotFoundError(f"cannot load the SSL model in {folder}: {error}") from error


# A wav2vec 2.0 in XLS-R's layout (pre-LN, layer-normed feature encoder) with the real feature encoder's
# kernels and strides (20 ms frames) and everything else tiny: for demos and tests that must run offline.
TINY_WAV2VEC2 = dict(hidden_size=32, num_hidden_layers=2, num_attention_heads=2, intermediate_size=64,
                     conv_dim=(16,) * 7, num_conv_pos_embeddings=16, num_conv_pos_embedding_groups=2,
                     do_stable_layer_norm=True, feat_extract_norm="layer")


def save_tiny_model(folder, seed: int = 0) -> Path:
    """Write a tiny randomly initialised wav2vec 2.0 to `folder` (save_pretrained) unless one is there."""
    from transformers import Wav2Vec2Config, Wav2Vec2Model
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()
    folder = Path(folder)
    if (folder / "config.json").is_file():
        return folder
    torch.manual_seed(seed)
    model = Wav2Vec2Model(Wav2Vec2Config(**TINY_WAV2VEC2))
    partial = folder.with_name(f".{folder.name}.partial")
    shutil.rmtree(partial, ignore_errors=True)
    model.save_pretrained(partial)
    partial.rename(folder)  # whole or not at all: a folder with config.json is a complete model
    return folder


def _enable_checkpointing(model: nn.Module) -> None:
    # transformers 5 renamed gradient_checkpointing_enable (deprecated) to activation_checkpointing_enable
    enable = getattr(model, "activation_checkpointing_enable", None) or model.gradient_checkpointing_enable
    enable()


class SSLFrontEnd(nn.Module):
    """Waveforms [batch, samples] -> SSL features [batch, frames, hidden_size].

    layer: index into the hidden states, 0 the transformer's input, -1 (or the number of layers) the last
    layer's output including a pre-LN model's final layer norm (fairseq's `features_only` output), other
    values that layer's output. weighted_layers: a softmax-weighted sum of all of them, weights learnt.
    freeze: the SSL model gets no gradients and stays in eval mode (no dropout); layer weights still learn.

    normalize: per-utterance zero mean and unit variance. Off by default: the transformers feature
    extractor of facebook/wav2vec2-xls-r-300m normalises (do_normalize=True), but the published SSL-AASIST
    fed the raw waveform to fairseq's XLS-R, and this front end serves that back end and its weights.
    """

    def __init__(self, model: nn.Module, layer: int = -1, weighted_layers: bool = False, freeze: bool = False,
                 gradient_checkpointing: bool = False, normalize: bool = False):
        super().__init__()
        self.model = model
        states = model.config.num_hidden_layers + 1
        if not -states <= layer < states:
            raise ConfigError(f"model.ssl_layer={layer} is out of range: the SSL model has {states} hidden "
                              f"states (0 = transformer input, {states - 1} or -1 = last layer)")
        self.layer = layer % states
        self.layer_weights = nn.Parameter(torch.zeros(states)) if weighted_layers else None
        if weighted_layers or self.layer != states - 1:
            # LayerDrop would skip layers at random in training, and transformers 5 then returns fewer
            # hidden states: layer indices would shift. The last layer alone keeps the model's LayerDrop.
            model.config.layerdrop = 0.0
        self.freeze, self.normalize = freeze, normalize
        if freeze:
            model.requires_grad_(False)
            model.eval()
        if gradient_checkpointing:
            _enable_checkpointing(model)

    @property
    def output_size(self) -> int:
        return self.model.config.hidden_size

    def samples_for(self, frames: int) -> int:
        """Fewest input samples from which the convolutional feature encoder makes `frames` frames."""
        config = self.model.config
        for kernel, stride in zip(reversed(config.conv_kernel), reversed(config.conv_stride)):
            frames = (frames - 1) * stride + kernel
        return frames

    def train(self, mode: bool = True):
        super().train(mode)
        if self.freeze:
            self.model.eval()
        return self

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Features [batch, frames, hidden_size] of float waveforms [batch, samples]."""
        if self.normalize:
            mean, var = waveforms.mean(-1, keepdim=True), waveforms.var(-1, keepdim=True, unbiased=False)
            waveforms = (waveforms - mean) / torch.sqrt(var + NORMALIZE_EPS)
        with torch.set_grad_enabled(torch.is_grad_enabled() and not self.freeze):
            if self.layer_weights is None and self.layer == self.model.config.num_hidden_layers:
                return self.model(waveforms).last_hidden_state
            output = self.model(waveforms, output_hidden_states=True)
        # transformers 4 and 5 differ in the last hidden state of pre-LN models (after or before the
        # final layer norm): last_hidden_state is used instead, the same in both
        states = [*output.hidden_states[:-1], output.last_hidden_state]
        if self.layer_weights is None:
            return states[self.layer]
        weights = torch.softmax(self.layer_weights, 0).to(states[0].dtype)
        return torch.einsum("l,lbfh->bfh", weights, torch.stack(states))
