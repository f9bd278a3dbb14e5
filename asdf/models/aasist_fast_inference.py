"""The eval-mode AASIST residual block on a CPU, over tiles of time with reused buffers.

Whole-utterance temporaries at full resolution (tens of MB each) make every elementwise pass a trip
to memory; per tile the convolutions' halo frames are recomputed instead (2 of ~1,000). Eval-mode BN
and SELU's scale are folded into the convolutions, and the first block's downsample into its two
convolutions.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from asdf.models.aasist import ResidualBlock
from asdf.models.aasist_fast_ops import SELU_ALPHA, SELU_SCALE, conv2d, fold_eval_bn, pool_time, reused

# elements of conv1's output per tile of time in inference: ~4 MB, so a tile's temporaries stay in cache
TILE_ELEMENTS = 1 << 20


def tiles_pay(x: torch.Tensor) -> bool:
    """Whether inference should walk time in tiles: on a CPU, in eager mode.

    On a GPU tiles would only multiply kernel launches; a traced or exported graph would record one
    tile loop for the example's length and batch, which other inputs do not fit.
    """
    return x.device.type == "cpu" and not torch.jit.is_tracing() and not torch.compiler.is_compiling()


def _frames_with_zeros(x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """Frames [start, stop) of x (channels last), zeros where they fall outside it (a convolution's padding)."""
    frames = x.shape[-1]
    inside = x[..., max(start, 0) : min(stop, frames)]
    if start >= 0 and stop <= frames:
        return inside
    padded = F.pad(inside, (max(-start, 0), max(stop - frames, 0)))
    return padded.contiguous(memory_format=torch.channels_last)


def tiled_forward(block: ResidualBlock, x: torch.Tensor) -> torch.Tensor:
    """The eval-mode, time-pooling `block` over channels-last x, tile by tile, each small enough to stay in cache."""
    batch, _, rows, frames = x.shape
    w1, b1, w2, b2, padding_value = _tile_weights(block, x)
    channels, kept = w2.shape[0], 3 * (frames // 3)
    down_folded = w1.shape[0] > channels  # conv_downsample is then part of conv1 and conv2
    scratch = {}
    pooled = x.new_empty(batch, rows, kept // 3, channels).permute(0, 3, 1, 2)  # channels last
    step = 3 * max(1, TILE_ELEMENTS // (3 * batch * channels * (rows + 1)))
    for start in range(0, kept, step):
        stop = min(start + step, kept)
        # conv2 needs conv1's output one frame beyond the tile on each side, which needs x two frames beyond
        window = _frames_with_zeros(x, start - 2, stop + 2)
        h1 = conv2d(window, w1, b1, (1, 0), scratch)
        shifted = reused(scratch, "exp", *h1.shape, like=x)
        torch.clamp(h1, max=0, out=shifted).exp_()
        shifted = h1.relu_().add_(shifted, alpha=SELU_ALPHA)  # SELU(h1) / scale + alpha
        if start == 0:  # conv2's zero padding, not conv1's output, lies before the first frame
            shifted[..., 0] = padding_value.view(-1, 1)
        if stop + 1 > frames:
            shifted[..., frames - start + 1 :] = padding_value.view(-1, 1, 1)
        summed = F.conv2d(shifted, w2, b2)
        down = block.conv_downsample
        if down is None:
            summed += window[..., 2:-2]
        elif not down_folded:
            summed += conv2d(window[..., 1:-1], down.weight, down.bias, (0, 0))
        pool_time(summed, out=pooled[..., start // 3 : stop // 3])
    return pooled


def _tile_weights(block: ResidualBlock, x: torch.Tensor) -> tuple:
    """conv1 and conv2 weights and biases for `tiled_forward`, and what conv2's zero padding becomes.

    Eval-mode BN is folded into conv1. SELU(h) = scale * (relu(h) + alpha * exp(min(h, 0)) - alpha):
    conv2 takes the scale into its weights and the constant into its bias, so each tile needs exp
    (cheaper than SELU's expm1) and conv2's zero padding becomes alpha. With one input channel,
    conv_downsample is folded in too, saving its pass and the residual add over the block's largest
    tensors: conv1 gains a channel that copies x plus a shift making it positive, which the SELU
    passes turn into x + shift + alpha exactly, and conv2 reads that channel with the downsample's
    taps, its bias taking the shift back.
    """
    w1, b1 = fold_eval_bn(block.conv1, block.bn2)
    w2 = block.conv2.weight * SELU_SCALE
    b2 = block.conv2.bias - SELU_ALPHA * w2.sum((1, 2, 3))
    padding_value = x.new_full((w1.shape[0],), SELU_ALPHA)
    down = block.conv_downsample
    if down is not None and x.shape[1] == 1:
        shift = 1.0 - min(x.min().item(), 0.0)
        copy_x = torch.zeros_like(w1[:1])
        copy_x[0, 0, 1, 1] = 1  # conv1 (padding one row) sees x's row r and frame f at tap (1, 1)
        w1, b1 = torch.cat([w1, copy_x]), torch.cat([b1, b1.new_full((1,), shift)])
        w2 = torch.cat([w2, F.pad(down.weight, (0, 0, 0, 1))], 1)  # read in conv2's first kernel row only
        b2 = b2 + down.bias - (shift + SELU_ALPHA) * down.weight.sum((1, 2, 3))
        padding_value = torch.cat([padding_value, padding_value.new_full((1,), shift + SELU_ALPHA)])
    return w1, b1, w2.contiguous(memory_format=torch.channels_last), b2, padding_value
