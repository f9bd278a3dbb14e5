"""AASIST's residual encoder as published (clovaai/aasist `Residual_block`), in plain PyTorch.

This is the reference: the arithmetic and the state-dict names of the official block, so that the
published checkpoints load unchanged. `asdf.models.aasist_fast_block` computes the same block faster
and with less training memory; AASIST uses it unless built with fast_blocks=False.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class ResidualBlock(nn.Module):
    """conv1 -> BN -> SELU -> conv2, plus the input (through conv_downsample where the channel count changes),
    then max pooling of time by 3: [batch, in_channels, rows, frames] -> [batch, out_channels, rows, frames // 3].

    `bn1` exists in non-first blocks but does not touch the output: the official forward computes
    bn1(x) and then feeds x to conv1. It is not computed here, so its running statistics stay as loaded.
    With pool_time=False (SSL-AASIST's blocks, whose published code comments the pooling out) time is kept.
    """

    def __init__(self, in_channels: int, out_channels: int, first: bool = False, pool_time: bool = True):
        super().__init__()
        self.pool_time = pool_time
        if not first:
            self.bn1 = nn.BatchNorm2d(in_channels)
        self.conv1 = nn.Conv2d(in_channels, out_channels, kernel_size=(2, 3), padding=(1, 1))
        self.bn2 = nn.BatchNorm2d(out_channels)
        self.conv2 = nn.Conv2d(out_channels, out_channels, kernel_size=(2, 3), padding=(0, 1))
        if in_channels != out_channels:
            self.conv_downsample = nn.Conv2d(in_channels, out_channels, kernel_size=(1, 3), padding=(0, 1))
        else:
            self.conv_downsample = None

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """The block's output; conv1 adds a row (padding (1, 1), kernel height 2) that conv2 takes away."""
        out = self.conv2(F.selu(self.bn2(self.conv1(x))))
        out = out + (x if self.conv_downsample is None else self.conv_downsample(x))
        return F.max_pool2d(out, (1, 3)) if self.pool_time else out


def residual_encoder(filts: list, pool_time: bool = True, block: type = ResidualBlock) -> nn.Sequential:
    """The official encoder: one `block` per [in, out] pair, each in its own Sequential (`encoder.N.0.`)."""
    return nn.Sequential(
        *(nn.Sequential(block(*pair, first=i == 0, pool_time=pool_time)) for i, pair in enumerate(filts))
    )
