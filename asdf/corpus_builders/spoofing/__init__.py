"""Classic spoofing attacks (vocoders, Griffin-Lim, LPC, pitch shift, codecs...): each
maps a 16 kHz float32 waveform and a NumPy generator to a spoofed waveform. May import: `asdf.base`."""

from __future__ import annotations

import importlib
from importlib.metadata import PackageNotFoundError, version
from typing import Callable

import numpy as np

from asdf import __version__
from asdf.base.errors import DataError
from asdf.corpus_builders.spoofing.envelope_warp import EnvelopeWarp
from asdf.corpus_builders.spoofing.griffin_lim import GriffinLim
from asdf.corpus_builders.spoofing.harmonic_noise import HarmonicPlusNoise
from asdf.corpus_builders.spoofing.lpc import LpcVocoder
from asdf.corpus_builders.spoofing.pitch_shift import PitchShift

Attack = Callable[[np.ndarray, np.random.Generator], np.ndarray]

# Attacks built on optional packages: name -> (module, class, package); imported only when asked for.
_OPTIONAL_ATTACKS = {
    "world_vocoder": ("asdf.corpus_builders.spoofing.world_vocoder", "WorldVocoder", "pyworld"),
    "mlsa_vocoder": ("asdf.corpus_builders.spoofing.mlsa_vocoder", "MlsaVocoder", "pysptk"),
    "codec2": ("asdf.corpus_builders.spoofing.codec2", "Codec2Vocoder", "pycodec2"),
}


def _missing_package(name: str, package: str) -> DataError:
    """The one-line error for an attack whose optional package is not installed."""
    return DataError(f"attack {name!r} needs the package {package!r}, which is missing: pip install {package}")


def _on_demand(name: str) -> Callable[[], Attack]:
    """A factory that imports the optional attack `name` when called, naming its package if that is missing."""
    module_name, class_name, package = _OPTIONAL_ATTACKS[name]

    def make() -> Attack:
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError as error:
            if error.name != package:
                raise
            raise _missing_package(name, package) from None
        return getattr(module, class_name)()

    return make


ATTACKS: dict[str, Callable[[], Attack]] = {
    "griffin_lim": GriffinLim,
    "lpc_vocoder": LpcVocoder,
    "harmonic_noise": HarmonicPlusNoise,
    "envelope_warp": EnvelopeWarp,
    "pitch_shift": PitchShift,
    **{name: _on_demand(name) for name in _OPTIONAL_ATTACKS},
}


def make_attack(name: str) -> Attack:
    """The attack registered under `name`, with its default settings."""
    if name not in ATTACKS:
        raise KeyError(f"unknown attack {name!r}; known: {', '.join(ATTACKS)}")
    return ATTACKS[name]()


def attack_package(name: str) -> str | None:
    """The optional PyPI package attack `name` needs, or None for the built-in ones."""
    return _OPTIONAL_ATTACKS[name][2] if name in _OPTIONAL_ATTACKS else None


def attack_version(name: str) -> str:
    """The engine behind attack `name` and its version, e.g. 'pyworld 0.3.5' or 'asdf 0.1.0', for manifests."""
    if name not in ATTACKS:
        raise KeyError(f"unknown attack {name!r}; known: {', '.join(ATTACKS)}")
    if name not in _OPTIONAL_ATTACKS:
        return f"asdf {__version__}"
    package = _OPTIONAL_ATTACKS[name][2]
    try:
        return f"{package} {version(package)}"
    except PackageNotFoundError:
        raise _missing_package(name, package) from None
