"""AASIST's residual block, fast on CPU and lean in training memory: the published block's arithmetic and state dict.

An optimisation of `asdf.models.aasist_encoder.ResidualBlock`, which stays the reference: the same
parameters and outputs (to float rounding), computed channels last. Which path runs:
- training with autograd: `aasist_fast_training` (chunks of the batch, a custom backward);
- eval without autograd on a CPU, in eager mode: `aasist_fast_inference` (tiles of time);
- otherwise (a GPU, torch.compile, autograd in eval, no autograd in training): the published
  arithmetic, with one-channel convolutions as matrix products and eval-mode BN folded into conv1.
Time pooling is what the first two paths optimise: without it (pool_time=False) the last path runs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from asdf.models.aasist_encoder import ResidualBlock
from asdf.models.aasist_fast_inference import tiled_forward, tiles_pay
from asdf.models.aasist_fast_ops import conv2d, fold_eval_bn, pool_time
from asdf.models.aasist_fast_training import memory_saving_forward


class FastResidualBlock(ResidualBlock):
    """`ResidualBlock` with the same state dict, computed by the fastest path that fits the call."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """[batch, in_channels, rows, frames] -> [batch, out_channels, rows, frames // 3 (or frames)]."""
        x = x.contiguous(memory_format=torch.channels_last)
        # under torch.compile the plain operators of the last path are traced, and the compiler fuses them itself
        if self.training and torch.is_grad_enabled() and self.pool_time and not torch.compiler.is_compiling():
            return memory_saving_forward(self, x)
        if not self.training and self.pool_time and not torch.is_grad_enabled() and tiles_pay(x):
            return tiled_forward(self, x)
        return self._channels_last_forward(x)

    def _channels_last_forward(self, x: torch.Tensor) -> torch.Tensor:
        """The published arithmetic over channels-last x, eval-mode BN folded into conv1."""
        if self.training:  # batch statistics
            h1 = self.bn2(conv2d(x, self.conv1.weight, self.conv1.bias, (1, 1)))
        else:
            h1 = conv2d(x, *fold_eval_bn(self.conv1, self.bn2), (1, 1))
        summed = self.conv2(F.selu(h1, inplace=True))
        down = self.conv_downsample
        summed += x if down is None else conv2d(x, down.weight, down.bias, (0, 1))
        return pool_time(summed) if self.pool_time else summed
