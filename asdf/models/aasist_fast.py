"""AASIST fast on a CPU and lean in training memory: the published model's state dict and outputs.

`FastAASIST` is what the model registry builds for aasist and aasist-l. It is `asdf.models.aasist.AASIST`,
the published model and the reference, with two parts swapped for faster ones of the same weights and
outputs (to float rounding): the sinc front end filters by one matrix product, and each residual block
takes the fastest path that fits the call:
- training with autograd: `aasist_fast_training` (chunks of the batch, a custom backward);
- eval without autograd on a CPU, in eager mode: `aasist_fast_inference` (tiles of time);
- otherwise (a GPU, torch.compile, autograd in eval, no autograd in training): the published
  arithmetic, with one-channel convolutions as matrix products and eval-mode BN folded into conv1.
Time pooling is what the first two paths optimise: without it (pool_time=False) the last path runs.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from asdf.models.aasist import AASIST, ResidualBlock, SincFrontEnd
from asdf.models.aasist_fast_inference import tiled_forward, tiles_pay
from asdf.models.aasist_fast_ops import conv2d, exporting, fold_eval_bn, pool_time
from asdf.models.aasist_fast_training import memory_saving_forward


class FastSincFrontEnd(SincFrontEnd):
    """`SincFrontEnd` as one matrix product: each block of BLOCK outputs is a Toeplitz matrix of the filters
    times the block's samples.

    That is ~20 % more multiplications than the convolution but runs about three times faster on a CPU
    (the convolution library handles one input channel poorly), and its [frames, bands] output suits the
    pooling. Under torch.export it is the published convolution and pooling, whose output lengths stay symbolic.
    """

    BLOCK = 24  # output samples per row of the product (a multiple of 3 keeps pooling windows inside blocks)

    def __init__(self, bands: int, kernel_size: int):
        super().__init__(bands, kernel_size)
        # 3x3 pooling drops the bands beyond a multiple of 3, so they are never computed
        self.filters = self.filters[: bands - bands % 3]
        self.bands = self.filters.shape[0]
        toeplitz = self.filters.new_zeros(self.BLOCK + self.kernel_size - 1, self.BLOCK, self.bands)
        for offset in range(self.BLOCK):
            toeplitz[offset : offset + self.kernel_size, offset] = self.filters.T
        self.register_buffer("toeplitz", toeplitz.flatten(1), persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Pooled sub-band magnitudes, one channel: [batch, samples] -> [batch, 1, bands // 3, frames // 3]."""
        if exporting():
            return super().forward(waveforms)
        batch, samples = waveforms.shape
        outputs = samples - self.kernel_size + 1
        blocks = -(-outputs // self.BLOCK)
        padded = F.pad(waveforms, (0, blocks * self.BLOCK + self.kernel_size - 1 - samples))
        rows = padded.unfold(1, self.BLOCK + self.kernel_size - 1, self.BLOCK).reshape(batch * blocks, -1)
        responses = (rows @ self.toeplitz.to(waveforms.dtype)).view(batch, blocks * self.BLOCK, self.bands)
        frames = outputs // 3
        # 3x3 max pooling as maxima of strided views: amax over a size-3 dimension is several times slower
        magnitudes = responses[:, : 3 * frames].abs_().view(batch, frames, 3, self.bands)
        frame_maxima = torch.maximum(torch.maximum(magnitudes[:, :, 0], magnitudes[:, :, 1]), magnitudes[:, :, 2])
        bands = [frame_maxima[..., offset::3] for offset in range(3)]
        pooled = torch.maximum(torch.maximum(bands[0], bands[1]), bands[2])  # [batch, frames, bands // 3]
        return pooled.transpose(1, 2).unsqueeze(1)


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


class FastAASIST(AASIST):
    """`AASIST` with the fast sinc front end and residual blocks: the same state dict and outputs."""

    front_end_class = FastSincFrontEnd
    block_class = FastResidualBlock
