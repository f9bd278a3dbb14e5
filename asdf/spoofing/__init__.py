"""Spoofing attacks: each maps a 16 kHz float32 waveform and a NumPy generator to a spoofed waveform."""

from __future__ import annotations

from typing import Callable

import numpy as np

from asdf.spoofing.envelope_warp import EnvelopeWarp
from asdf.spoofing.griffin_lim import GriffinLim
from asdf.spoofing.harmonic_noise import HarmonicPlusNoise
from asdf.spoofing.lpc import LpcVocoder
from asdf.spoofing.pitch_shift import PitchShift

Attack = Callable[[np.ndarray, np.random.Generator], np.ndarray]

ATTACKS: dict[str, Callable[[], Attack]] = {
    "griffin_lim": GriffinLim,
    "lpc_vocoder": LpcVocoder,
    "harmonic_noise": HarmonicPlusNoise,
    "envelope_warp": EnvelopeWarp,
    "pitch_shift": PitchShift,
}


def make_attack(name: str) -> Attack:
    """The attack registered under `name`, with its default settings."""
    if name not in ATTACKS:
        raise KeyError(f"unknown attack {name!r}; known: {', '.join(ATTACKS)}")
    return ATTACKS[name]()
