"""Training-crop augmentation composed from settings: RawBoost, then (with a probability) a codec or
channel. Every augmentation is a small class called as `augmentation(waveform, rng)` with the item's own
generator, so a crop is augmented the same way whatever the workers, ranks or restarts. May import: `asdf.base`,
`asdf.data`."""

from __future__ import annotations

import logging
from typing import Optional

import numpy as np

from asdf.augment.channel import BandLimit
from asdf.augment.codecs import CODECS, CodecRoundTrip, codec_available
from asdf.augment.rawboost import Series, Step, build_rawboost
from asdf.base.settings import Settings

logger = logging.getLogger(__name__)

CHANNEL_NAMES = ("band",)
AUGMENTATION_NAMES = CHANNEL_NAMES + tuple(CODECS)


class OneOf:
    """With `probability`, one of the choices (uniformly); otherwise the input unchanged."""

    def __init__(self, choices: list[Step], probability: float) -> None:
        self.choices, self.probability = choices, probability

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        if not self.choices or rng.random() >= self.probability:
            return waveform
        return self.choices[int(rng.integers(len(self.choices)))](waveform, rng)


def codec_channel_choices(settings: Settings) -> list[Step]:
    """The codecs and channels `augment.codecs` names; those this libsndfile lacks are left out with a note."""
    augment, sample_rate = settings.augment, settings.data.sample_rate
    choices: list[Step] = []
    for name in augment.codecs:
        if name == "band":
            choices.append(BandLimit(augment, sample_rate))
        elif codec_available(name):
            choices.append(CodecRoundTrip(name, sample_rate, (augment.min_compression, augment.max_compression)))
        else:
            logger.info("augment: codec %s is not available in this libsndfile build; left out", name)
    return choices


def build_augmentation(settings: Settings) -> Optional[Step]:
    """The augmentation chain the settings ask for, or None when there is none."""
    steps: list[Step] = []
    if settings.rawboost.algorithm:
        steps.append(build_rawboost(settings.rawboost, settings.data.sample_rate))
    if settings.augment.probability > 0:
        steps.append(OneOf(codec_channel_choices(settings), settings.augment.probability))
    return Series(steps) if steps else None
