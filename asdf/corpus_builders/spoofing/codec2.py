"""Attack: a pass through the Codec 2 low-bitrate speech codec (8 kHz, 3200 to 1200 bit/s)."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass

import numpy as np
import pycodec2
from scipy.signal import resample_poly

from asdf.base.errors import ConfigError
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, fit_length

CODEC_RATE = 8000
MODES = (3200, 2400, 1600, 1400, 1300, 1200)
_INT16_SCALE = 32767.0
# Measured on LibriSpeech: decoded speech lags the input by about 20 ms at every bitrate offered here.
_DECODER_DELAY = 160
# Codec 2 draws unvoiced phases from a process-wide generator that nothing resets, so a second decode in
# the same process differs from the first. A fresh interpreter per call (about 0.3 s) makes output repeatable.
_TRANSCODE_IN_FRESH_PROCESS = """
import sys, numpy, pycodec2
codec = pycodec2.Codec2(int(sys.argv[1]))
step = codec.samples_per_frame()
pcm = numpy.frombuffer(sys.stdin.buffer.read(), dtype="<i2").astype(numpy.int16)
for start in range(0, len(pcm), step):
    sys.stdout.buffer.write(codec.decode(codec.encode(pcm[start : start + step])).astype("<i2").tobytes())
"""


@dataclass(frozen=True)
class Codec2Vocoder:
    """Encode and decode with Codec 2 at a bitrate drawn from `bitrates`; nothing above 4 kHz survives.

    The input is scaled to a peak of `peak` before 16-bit quantisation (so quiet files keep their
    resolution) and scaled back afterwards.
    """

    bitrates: tuple[int, ...] = (3200, 2400, 1600, 1300)
    peak: float = 0.5

    def __post_init__(self) -> None:
        """Refuse bitrates that Codec 2 does not offer."""
        unknown = [bitrate for bitrate in self.bitrates if bitrate not in MODES]
        if unknown or not self.bitrates:
            raise ConfigError(f"codec2 bitrates: got {list(self.bitrates)}, expected some of {list(MODES)}")

    def __call__(self, waveform: np.ndarray, rng: np.random.Generator) -> np.ndarray:
        """The waveform after Codec 2 encoding and decoding (same length and rate, float32)."""
        bitrate = int(rng.choice(self.bitrates))
        narrowband = resample_poly(np.asarray(waveform, dtype=np.float64), CODEC_RATE, SAMPLE_RATE)
        gain = self.peak / max(float(np.max(np.abs(narrowband), initial=0.0)), 1e-9)
        # Trimming the decoder's delay keeps the spoof time-aligned with the bona fide file it copies.
        decoded = transcode(narrowband * gain, bitrate)[_DECODER_DELAY:] / gain
        wideband = resample_poly(decoded, SAMPLE_RATE, CODEC_RATE)
        return fit_length(wideband, len(waveform)).astype(np.float32)


def transcode(narrowband: np.ndarray, bitrate: int) -> np.ndarray:
    """8 kHz float samples (within +-1) encoded and decoded by Codec 2 at `bitrate`, in a fresh process."""
    pcm = np.clip(np.round(narrowband * _INT16_SCALE), -_INT16_SCALE, _INT16_SCALE).astype("<i2")
    pcm = np.pad(pcm, (0, -len(pcm) % pycodec2.Codec2(bitrate).samples_per_frame()))
    command = [sys.executable, "-c", _TRANSCODE_IN_FRESH_PROCESS, str(bitrate)]
    result = subprocess.run(command, input=pcm.tobytes(), capture_output=True, check=False)
    if result.returncode != 0:
        last_line = result.stderr.decode(errors="replace").strip().splitlines()[-1:]
        raise RuntimeError(f"Codec 2 at {bitrate} bit/s failed: {' '.join(last_line)}")
    return np.frombuffer(result.stdout, dtype="<i2").astype(np.float64) / _INT16_SCALE
