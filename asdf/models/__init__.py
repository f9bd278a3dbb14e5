"""The countermeasures (AASIST and AASIST-L, RawNet2, SSL-AASIST, the Whisper tiny.en countermeasure),
their checkpoint files and the model registry: `build_model(settings.model)` builds the model a setting names.
May import: `asdf.base`."""

from __future__ import annotations

import dataclasses
from typing import Callable

from torch import nn

from asdf.base.errors import ConfigError
from asdf.base.settings import ModelSettings
from asdf.models.aasist import PRESETS
from asdf.models.aasist_fast import FastAASIST
from asdf.models.rawnet2 import RawNet2
from asdf.models.ssl import SSLFrontEnd, load_ssl_model
from asdf.models.ssl_aasist import PRESET as SSL_AASIST_PRESET
from asdf.models.ssl_aasist import SSLAASIST
from asdf.models.whisper import PRESET as WHISPER_PRESET
from asdf.models.whisper import WhisperCountermeasure


class UnknownModelError(ConfigError, ValueError):
    """`model.name` names no registered model."""


def _architecture(settings: ModelSettings, preset: dict) -> dict:
    """The preset's architecture numbers, overridden by those the settings give (not None)."""
    given = {f.name: getattr(settings, f.name) for f in dataclasses.fields(settings)}
    return {key: preset[key] if given.get(key) is None else given[key] for key in preset}


def _build_aasist(settings: ModelSettings) -> nn.Module:
    """AASIST or AASIST-L by the fast code; `asdf.models.aasist.AASIST` is the published code, same weights."""
    return FastAASIST(**_architecture(settings, PRESETS[settings.name]))


def _build_rawnet2(settings: ModelSettings) -> nn.Module:
    return RawNet2(**_architecture(settings, RawNet2.PRESET))


def _build_ssl_aasist(settings: ModelSettings) -> nn.Module:
    """SSL-AASIST; the SSL model is loaded now (see `load_ssl_model` for where it is looked for)."""
    ssl_model = load_ssl_model(settings.ssl_model, settings.ssl_allow_download, settings.ssl_cache_dir)
    front_end = SSLFrontEnd(ssl_model, settings.ssl_layer, settings.ssl_weighted_layers, settings.ssl_freeze,
                            settings.ssl_gradient_checkpointing, settings.ssl_normalize)
    return SSLAASIST(front_end, **_architecture(settings, SSL_AASIST_PRESET))


def _build_whisper_tiny(settings: ModelSettings) -> nn.Module:
    """The Whisper tiny.en countermeasure; the encoder's weights are read from their package now."""
    return WhisperCountermeasure(**_architecture(settings, WHISPER_PRESET))


BUILDERS: dict[str, Callable[[ModelSettings], nn.Module]] = {
    "aasist": _build_aasist,
    "aasist-l": _build_aasist,
    "rawnet2": _build_rawnet2,
    "ssl-aasist": _build_ssl_aasist,
    "whisper-tiny": _build_whisper_tiny,
}
MODEL_NAMES = tuple(BUILDERS)


def build_model(settings: ModelSettings) -> nn.Module:
    """The model `settings.name` names, with the settings' architecture numbers (None: the preset's)."""
    builder = BUILDERS.get(settings.name)
    if builder is None:
        raise UnknownModelError(f"unknown model.name {settings.name!r}; valid names: {', '.join(MODEL_NAMES)}")
    return builder(settings)
