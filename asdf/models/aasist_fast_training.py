"""The training-mode AASIST residual block as one autograd function that saves memory.

Autograd over the published block would keep conv1's output, the BN output, the sum before pooling
and int64 pooling indices, all at full time resolution ([batch, channels, 23 rows, up to 21,490
frames]: nearly all of AASIST's training memory). This keeps conv1's output (or recomputes it where
that is cheap) and int8 window offsets, recomputes BN and SELU in the backward pass, and walks the
batch in chunks so temporaries stay small; the chunks reuse the buffers of those temporaries. BN uses
batch statistics and updates the running ones. Where conv1 has one input channel (the first block), its
output is affine in a few numbers per position, so its BN statistics and the part of its gradient that
BN's batch sums add come in closed form from the Gram matrix of its input patches, without computing it.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from asdf.models.aasist import ResidualBlock
from asdf.models.aasist_fast_ops import (
    SELU_ALPHA,
    SELU_SCALE,
    affine_grads_one_channel,
    affine_input_grad_one_channel,
    affine_stats_one_channel,
    conv2d,
    conv_backward,
    patch_gram,
    reused,
    rows_by_channel,
    time_windows,
)

# rows of the batch a training step handles at once in the residual blocks: bounds the full-resolution
# temporaries (selu output, conv outputs and gradients) to 16 MB in float32 wherever one item's fit. That is
# below glibc's largest automatic mmap threshold (32 MB), so they come from the heap and are reused instead of
# being mapped afresh with a page fault per 4 kB (64 MB chunks cost about a tenth of a training step so)
CHUNK_ELEMENTS = 1 << 22
# conv1 is recomputed instead of kept when its input has this many times fewer channels than its
# output (the first block: one input channel makes it ~30x cheaper than conv2, and its output is big)
RECOMPUTE_RATIO = 8


def _pool_time_with_offsets(activations: torch.Tensor, pooled: torch.Tensor, offsets: torch.Tensor) -> None:
    """Time pooling by 3 into `pooled`; where each window's maximum was into `offsets` (first on ties, as MaxPool2d)."""
    first, second, third = time_windows(activations)
    torch.gt(second, first, out=offsets.view(torch.bool))  # a comparison into int8 directly is ~5x slower
    best_two = torch.maximum(first, second, out=pooled)
    offsets.masked_fill_(third > best_two, 2)
    torch.maximum(best_two, third, out=pooled)


def _unpool_time(grad_pooled: torch.Tensor, offsets: torch.Tensor, frames: int, scratch: dict) -> torch.Tensor:
    """Gradient of time pooling: each pooled gradient goes to the frame that won its window."""
    batch, channels, rows, _ = grad_pooled.shape
    grad = reused(scratch, "unpooled", batch, channels, rows, frames, grad_pooled)
    zero = grad_pooled.new_zeros(())
    for offset, window in enumerate(time_windows(grad)):
        torch.where(offsets == offset, grad_pooled, zero, out=window)
    grad[..., frames - frames % 3 :] = 0  # the frames no window reached
    return grad


def _row_chunks(batch: int, elements_per_row: int) -> list:
    step = max(1, CHUNK_ELEMENTS // elements_per_row)
    return [slice(start, start + step) for start in range(0, batch, step)]


def _wide(tensor: torch.Tensor) -> torch.Tensor:
    """At least float32: statistics and BN gradients of bf16/fp16 activations are kept in float32."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


def _channel(vector: torch.Tensor) -> torch.Tensor:
    return vector.view(1, -1, 1, 1)


def _channel_stats(chunks, scratch: dict) -> tuple:
    """Per-channel (mean, biased variance, count) over chunks of activations, merged exactly (Chan et al.)."""
    count, mean, squares = 0, 0.0, 0.0
    for chunk in chunks:
        # sums, not torch.var_mean: the latter is ~10x slower over channels-last CPU tensors
        matrix = rows_by_channel(_wide(chunk))
        size = matrix.shape[0]
        chunk_mean = matrix.sum(0) / size
        delta = chunk_mean - mean
        centred = torch.sub(matrix, chunk_mean, out=rows_by_channel(reused(scratch, "centred", *chunk.shape, matrix)))
        squares = squares + centred.square_().sum(0) + delta.square() * (count * size / (count + size))
        mean = mean + delta * (size / (count + size))
        count += size
    return mean, squares / count, count


def _channel_dot(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Per-channel sum of first * second, as the diagonal of one small matrix product (one pass, no temporary)."""
    return (rows_by_channel(first).T @ rows_by_channel(second)).diagonal()


def _conv1_rows(x, w1, b1, h1, rows, scratch: dict) -> torch.Tensor:
    """conv1's output for some rows of the batch: kept (h1) or recomputed (into scratch, where conv2d can)."""
    return conv2d(x[rows], w1, b1, (1, 1), scratch) if h1 is None else h1[rows]


def _bn_selu(h1_rows, shift, scale, scratch: dict) -> torch.Tensor:
    """SELU(h1 * scale + shift) per channel, channels last, in a buffer kept in scratch."""
    batch, channels, rows, frames = h1_rows.shape
    out = reused(scratch, "active", batch, channels, rows, frames, h1_rows)
    return F.selu(torch.addcmul(_channel(shift), h1_rows, _channel(scale), out=out), inplace=True)


class _TrainingBlock(torch.autograd.Function):
    """A time-pooling residual block with batch-statistics BN whose backward recomputes the cheap parts.

    BN is applied as h1 * scale + shift per channel.
    """

    @staticmethod
    def forward(ctx, x, w1, b1, gamma, beta, w2, b2, wd, bd, running_mean, running_var, momentum, eps):
        keep_h1 = x.shape[1] * RECOMPUTE_RATIO > w1.shape[0]
        h1 = conv2d(x, w1, b1, (1, 1)) if keep_h1 else None
        chunks = _row_chunks(x.shape[0], w1.shape[0] * (x.shape[2] + 1) * x.shape[3])
        # buffers of one chunk's full-resolution temporaries, reused by the next: a fresh tensor this large is
        # mapped from the kernel afresh and every page of it faults (the C allocator's default), which cost
        # about a quarter of a CPU training step
        conv1_scratch, scratch = {}, {}
        ctx.gram = None
        if x.shape[1] == 1:  # conv1 is affine in one channel: its BN statistics follow from its patches' Gram matrix
            ctx.gram = sum(patch_gram(x[rows], w1.shape[2:], (1, 1)) for rows in chunks)
            mean, var, count = affine_stats_one_channel(w1, b1, ctx.gram)
            wide = torch.promote_types(x.dtype, torch.float32)  # the dtype `_channel_stats` gives
            mean, var = mean.to(wide), var.to(wide)
        else:
            conv1_outputs = (_conv1_rows(x, w1, b1, h1, rows, conv1_scratch) for rows in chunks)
            mean, var, count = _channel_stats(conv1_outputs, scratch)
        running_mean.lerp_(mean, momentum)
        running_var.lerp_(var * (count / (count - 1)), momentum)
        invstd = torch.rsqrt(var + eps)
        scale = gamma * invstd
        shift = beta - mean * scale
        batch, channels, out_rows, pooled_frames = x.shape[0], w2.shape[0], x.shape[2], x.shape[3] // 3
        pooled = x.new_empty(batch, out_rows, pooled_frames, channels).permute(0, 3, 1, 2)  # channels last, as x
        offsets = torch.empty_like(pooled, dtype=torch.int8)
        downsample_scratch = {}
        for rows in chunks:
            active = _bn_selu(_wide(_conv1_rows(x, w1, b1, h1, rows, conv1_scratch)), shift, scale, scratch)
            summed = F.conv2d(active.to(x.dtype), w2, b2, padding=(0, 1))
            summed += x[rows] if wd is None else conv2d(x[rows], wd, bd, (0, 1), downsample_scratch)
            _pool_time_with_offsets(summed, pooled[rows], offsets[rows])
        ctx.save_for_backward(x, h1, offsets, mean, invstd, scale, shift, w1, b1, w2, b2, wd, bd)
        ctx.chunks = chunks
        return pooled

    @staticmethod
    def backward(ctx, grad_pooled):
        # BN's input gradient is scale * grad_z + h1_coefficient * h1 + constant per channel, where
        # grad_z is the gradient at BN's output and the last two coefficients need batch sums of
        # grad_z. Pass 1 computes grad_z; pass 2 recomputes h1 and sends the BN input gradient back
        # through conv1 (for a one-channel conv1, the h1 terms in closed form instead). Where h1 was
        # kept, grad_z overwrites it (float32); where it is recomputed, conv1's backward takes the
        # scale * grad_z term at once in pass 1 (it is linear), so no full-size grad_z is kept:
        # either way the block's largest tensor is never held twice.
        x, h1, offsets, mean, invstd, scale, shift, w1, b1, w2, b2, wd, bd = ctx.saved_tensors
        grads = {"x": torch.zeros_like(x)}
        batch, _, rows_in, frames = x.shape
        grad_z = h1
        if h1 is not None and h1.dtype != mean.dtype:
            grad_z = torch.empty(batch, rows_in + 1, frames, w1.shape[0], dtype=mean.dtype).permute(0, 3, 1, 2)
        grad_beta, grad_z_h1 = torch.zeros_like(mean), torch.zeros_like(mean)
        conv1_scratch, scratch = {}, {}  # as in forward: one chunk's buffers serve the next
        for rows in ctx.chunks:
            h1_rows = _wide(_conv1_rows(x, w1, b1, h1, rows, conv1_scratch))
            grad_summed = _unpool_time(grad_pooled[rows], offsets[rows], frames, scratch)
            _identity_backward(grad_summed, x[rows], wd, bd, grads, rows)
            active = _bn_selu(h1_rows, shift, scale, scratch)
            grad_active, *conv2 = conv_backward(grad_summed, active.to(x.dtype), w2, b2, (0, 1), True)
            _accumulate(grads, "conv2", conv2)
            grad_active = _wide(grad_active)
            grad_z_rows = torch.ops.aten.elu_backward.grad_input(grad_active, SELU_ALPHA, SELU_SCALE, 1.0, True, active,
                                                                 grad_input=grad_active)
            grad_beta += grad_z_rows.sum((0, 2, 3))
            grad_z_h1 += _channel_dot(grad_z_rows, h1_rows)
            if grad_z is None:
                _conv1_backward(ctx, grad_z_rows.mul_(_channel(scale)), x, w1, b1, rows, grads)
            else:
                grad_z[rows] = grad_z_rows
        grad_gamma = (grad_z_h1 - mean * grad_beta) * invstd
        count = batch * (rows_in + 1) * frames
        h1_coefficient = -scale * invstd * grad_gamma / count
        constant = -scale * grad_beta / count - h1_coefficient * mean
        if ctx.gram is not None and grad_z is None:  # h1 * h1_coefficient + constant through conv1, in closed form
            _accumulate(grads, "conv1", affine_grads_one_channel(w1, b1, ctx.gram, h1_coefficient, constant))
            if ctx.needs_input_grad[0]:
                for rows in ctx.chunks:
                    grads["x"][rows] += affine_input_grad_one_channel(x[rows], w1, b1, (1, 1), h1_coefficient, constant)
        else:
            for rows in ctx.chunks:
                h1_rows = _wide(conv2d(x[rows], w1, b1, (1, 1), conv1_scratch))
                grad_h1 = torch.addcmul(_channel(constant), h1_rows, _channel(h1_coefficient), out=h1_rows)
                if grad_z is not None:
                    grad_h1.addcmul_(grad_z[rows], _channel(scale))
                _conv1_backward(ctx, grad_h1, x, w1, b1, rows, grads)
        down = grads.get("down", [None, None])
        return (grads["x"], *grads["conv1"], grad_gamma, grad_beta, *grads["conv2"], *down,
                None, None, None, None)


def _conv1_backward(ctx, grad_h1, x, w1, b1, rows, grads: dict) -> None:
    """Adds conv1's gradients for some rows of the batch into grads."""
    grad_x, *conv1 = conv_backward(grad_h1.to(x.dtype), x[rows], w1, b1, (1, 1), ctx.needs_input_grad[0])
    _accumulate(grads, "conv1", conv1)
    if grad_x is not None:
        grads["x"][rows] += grad_x


def _identity_backward(grad_summed, x, wd, bd, grads: dict, rows) -> None:
    """Adds the residual path's gradients (input, and conv_downsample's weights where there is one) into grads."""
    if wd is None:
        grads["x"][rows] += grad_summed
        return
    grad_x, *down = conv_backward(grad_summed, x, wd, bd, (0, 1), True)
    _accumulate(grads, "down", down)
    grads["x"][rows] += grad_x


def _channels_last(tensor):
    return tensor if tensor is None or tensor.dim() != 4 else tensor.contiguous(memory_format=torch.channels_last)


def _accumulate(totals: dict, name: str, grads: list) -> None:
    if name in totals:
        for total, grad in zip(totals[name], grads):
            total += grad
    else:
        totals[name] = list(grads)


def memory_saving_forward(block: ResidualBlock, x: torch.Tensor) -> torch.Tensor:
    """The training-mode, time-pooling `block` over channels-last x, through `_TrainingBlock`."""
    down = block.conv_downsample
    tensors = [x, block.conv1.weight, block.conv1.bias, block.conv2.weight, block.conv2.bias,
               None if down is None else down.weight, None if down is None else down.bias]
    device_type = x.device.type
    if torch.is_autocast_enabled(device_type):
        # the custom function runs outside autocast, so cast as autocast would have for the convolutions
        dtype = torch.get_autocast_dtype(device_type)
        tensors = [None if t is None else t.to(dtype) for t in tensors]
    # channels-last weights too, or the CPU convolution backward converts its inputs to NCHW
    x, w1, b1, w2, b2, wd, bd = [_channels_last(t) for t in tensors]
    bn = block.bn2
    bn.num_batches_tracked.add_(1)
    with torch.autocast(device_type, enabled=False):
        return _TrainingBlock.apply(x, w1, b1, bn.weight, bn.bias, w2, b2, wd, bd,
                                    bn.running_mean, bn.running_var, bn.momentum, bn.eps)
