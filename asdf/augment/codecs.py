"""Codec round trips through libsndfile (mu-law, A-law, MP3, Opus, Vorbis, GSM), where this build has them."""

from __future__ import annotations

import io
import logging

import numpy as np
import soundfile

from asdf.data.audio import fit_length

logger = logging.getLogger(__name__)

# name -> (container, subtype, whether a compression level applies)
CODECS = {
    "mulaw": ("WAV", "ULAW", False),
    "alaw": ("WAV", "ALAW", False),
    "gsm": ("WAV", "GSM610", False),
    "mp3": ("MP3", "MPEG_LAYER_III", True),
    "opus": ("OGG", "OPUS", True),
    "vorbis": ("OGG", "VORBIS", True),
}


def codec_available(name: str) -> bool:
    """Whether the installed libsndfile can write and read this codec."""
    container, subtype, _ = CODECS[name]
    return container in soundfile.available_formats() and soundfile.check_format(container, subtype)


class CodecRoundTrip:
    """Encode and decode in memory; a codec that refuses the input (e.g. its sample rate) leaves it unchanged."""

    def __init__(self, name: str, sample_rate: int, compression: tuple[float, float] = (0.5, 0.5)) -> None:
        self.name, self.sample_rate, self.compression = name, sample_rate, compression
        self.container, self.subtype, self.compressible = CODECS[name]
        self.refused = False

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        level = float(rng.uniform(*self.compression)) if self.compressible else None
        buffer = io.BytesIO()
        try:
            soundfile.write(buffer, np.clip(waveform, -1, 1), self.sample_rate, format=self.container,
                            subtype=self.subtype, compression_level=level)
            buffer.seek(0)
            decoded = soundfile.read(buffer, dtype="float32")[0]
        except (RuntimeError, soundfile.LibsndfileError) as error:
            if not self.refused:  # say it once, not for every crop
                logger.warning("augment: codec %s refused the audio (%s); such crops stay unchanged", self.name, error)
                self.refused = True
            return waveform
        return fit_length(decoded, len(waveform)) if decoded.size else waveform
