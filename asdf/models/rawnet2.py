"""RawNet2 (Tak et al. 2021), the ASVspoof 2021 baseline, with the official state-dict names.

As in the official code, `bn1` of the residual blocks exists but is never applied, and the output is
log-softmax (log-probabilities work as logits: the score is output[:, 1], bona fide).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from asdf.models.aasist import sinc_filters


class ResidualBlock1d(nn.Module):
    """Two width-3 convolutions with BN and leaky ReLU, a residual connection, then max pooling by 3."""

    def __init__(self, in_channels: int, out_channels: int, first: bool = False):
        super().__init__()
        if not first:
            self.bn1 = nn.BatchNorm1d(in_channels)
        self.conv1 = nn.Conv1d(in_channels, out_channels, kernel_size=3, padding=1)
        self.bn2 = nn.BatchNorm1d(out_channels)
        self.conv2 = nn.Conv1d(out_channels, out_channels, kernel_size=3, padding=1)
        if in_channels != out_channels:
            self.conv_downsample = nn.Conv1d(in_channels, out_channels, kernel_size=1)
        else:
            self.conv_downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[batch, in_channels, frames] -> [batch, out_channels, frames // 3]."""
        out = self.conv2(F.leaky_relu(self.bn2(self.conv1(x)), 0.3))
        out = out + (x if self.conv_downsample is None else self.conv_downsample(x))
        return F.max_pool1d(out, 3)


class RawNet2(nn.Module):
    """RawNet2: waveform [batch, samples] -> (embedding [batch, nb_fc_node], log-probabilities [batch, 2])."""

    PRESET = {
        "first_conv": 1024,
        "filts": [20, [20, 20], [20, 128], [128, 128]],
        "gru_node": 1024,
        "nb_gru_layer": 3,
        "nb_fc_node": 1024,
    }

    def __init__(self, first_conv, filts, gru_node, nb_gru_layer, nb_fc_node):
        super().__init__()
        self.register_buffer("sinc_filters", sinc_filters(filts[0], first_conv).unsqueeze(1), persistent=False)
        self.first_bn = nn.BatchNorm1d(filts[0])
        channels = filts[2][1]
        block_channels = [filts[1], filts[1], filts[2]] + [[channels, channels]] * 3
        for index, pair in enumerate(block_channels):
            setattr(self, f"block{index}", nn.Sequential(ResidualBlock1d(*pair, first=index == 0)))
            width = pair[1]
            setattr(self, f"fc_attention{index}", nn.Sequential(nn.Linear(width, width)))
        self.bn_before_gru = nn.BatchNorm1d(channels)
        self.gru = nn.GRU(channels, gru_node, num_layers=nb_gru_layer, batch_first=True)
        self.fc1_gru = nn.Linear(gru_node, nb_fc_node)
        self.fc2_gru = nn.Linear(nb_fc_node, 2)
        # the front end pools by 3 and each of the six blocks by 3 again; the GRU needs one frame
        self.min_samples = 3 ** 7 + self.sinc_filters.shape[-1] - 1

    def forward(self, waveforms: torch.Tensor):
        """(embedding, log-probabilities) for waveforms of at least `min_samples`."""
        if waveforms.shape[-1] < self.min_samples:
            raise ValueError(
                f"RawNet2 needs at least {self.min_samples} samples per input, got {waveforms.shape[-1]}"
            )
        x = F.conv1d(waveforms.unsqueeze(1), self.sinc_filters.to(waveforms.dtype))
        x = F.selu(self.first_bn(F.max_pool1d(x.abs(), 3)))
        for index in range(6):
            x = getattr(self, f"block{index}")(x)
            # filter-wise attention: a sigmoid gate that both scales and shifts each channel
            gate = torch.sigmoid(getattr(self, f"fc_attention{index}")(x.mean(-1))).unsqueeze(-1)
            x = x * gate + gate
        x = F.selu(self.bn_before_gru(x))
        self.gru.flatten_parameters()
        x, _ = self.gru(x.transpose(1, 2))
        embedding = self.fc1_gru(x[:, -1])
        return embedding, F.log_softmax(self.fc2_gru(embedding), dim=1)
