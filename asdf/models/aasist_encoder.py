"""AASIST's residual block, fast on CPU and lean in memory, with the official arithmetic and state dict.

The official block is conv1 -> BN -> SELU -> conv2 (+ identity or conv_downsample) -> max pool of time
by 3, over [batch, channels, 23 frequency rows, frames] at up to 21,490 frames: most of the model's work
and nearly all of its training memory. Here everything runs channels last; one-channel convolutions are
matrix products; eval-mode BN is folded into conv1; CPU inference walks time in cache-sized tiles with
reused buffers (the first block's downsample folded into its two convolutions); and in training a custom
autograd function keeps only conv1's output (or recomputes it where cheap) and int8 pooling offsets,
walking the batch in chunks.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# rows of the batch a training step handles at once in the residual blocks: bounds the full-resolution
# temporaries (selu output, conv gradients) to about 64 MB whatever the batch size
CHUNK_ELEMENTS = 1 << 24
# elements of conv1's output per tile of time in inference: ~4 MB, so a tile's temporaries stay in cache
TILE_ELEMENTS = 1 << 20
# conv1 is recomputed instead of kept when its input has this many times fewer channels than its
# output (the first block: one input channel makes it ~30x cheaper than conv2, and its output is big)
RECOMPUTE_RATIO = 8


def _time_windows(activations: torch.Tensor) -> list:
    """First, second and third frame of each window of 3 frames (a remainder is dropped, as MaxPool2d((1, 3)))."""
    frames = activations.shape[-1] // 3
    return [activations[..., offset : 3 * frames : 3] for offset in range(3)]


def _pool_time(activations: torch.Tensor, out=None) -> torch.Tensor:
    """Max over non-overlapping windows of 3 frames (official MaxPool2d((1, 3))), into out if given."""
    if exporting():
        return F.max_pool2d(activations, (1, 3))
    first, second, third = _time_windows(activations)
    return torch.maximum(torch.maximum(first, second, out=out), third, out=out)


def _pool_time_with_offsets(activations: torch.Tensor):
    """`_pool_time` plus where in its window each maximum was (int8; the first on ties, as MaxPool2d)."""
    first, second, third = _time_windows(activations)
    best_two = torch.maximum(first, second)
    offsets = torch.where(third > best_two, 2, (second > first).to(torch.int8))
    return torch.maximum(best_two, third), offsets


def _unpool_time(grad_pooled: torch.Tensor, offsets: torch.Tensor, frames: int) -> torch.Tensor:
    """Gradient of `_pool_time`: each pooled gradient goes to the frame that won its window."""
    batch, channels, rows, _ = grad_pooled.shape
    grad = grad_pooled.new_zeros(batch, rows, frames, channels).permute(0, 3, 1, 2)  # channels last
    for offset, window in enumerate(_time_windows(grad)):
        torch.mul(grad_pooled, offsets == offset, out=window)
    return grad


def _frames_with_zeros(x: torch.Tensor, start: int, stop: int) -> torch.Tensor:
    """Frames [start, stop) of x (channels last), zeros where they fall outside it (a convolution's padding)."""
    frames = x.shape[-1]
    inside = x[..., max(start, 0) : min(stop, frames)]
    if start >= 0 and stop <= frames:
        return inside
    padded = F.pad(inside, (max(-start, 0), max(stop - frames, 0)))
    return padded.contiguous(memory_format=torch.channels_last)


def exporting() -> bool:
    """Whether torch.export is tracing: then the plain pooling and convolution operators are used.

    The strided views that make pooling fast in eager mode give torch.export frame counts it cannot
    keep symbolic, which would fix an exported model's input length.
    """
    return torch.compiler.is_exporting()


def _tiles_pay(x: torch.Tensor) -> bool:
    """Whether inference should walk time in tiles: on a CPU, in eager mode.

    On a GPU tiles would only multiply kernel launches; a traced or exported graph would record one
    tile loop for the example's length and batch, which other inputs do not fit.
    """
    return x.device.type == "cpu" and not torch.jit.is_tracing() and not torch.compiler.is_compiling()


def _row_chunks(batch: int, elements_per_row: int) -> list:
    step = max(1, CHUNK_ELEMENTS // elements_per_row)
    return [slice(start, start + step) for start in range(0, batch, step)]


def _wide(tensor: torch.Tensor) -> torch.Tensor:
    """At least float32: statistics and BN gradients of bf16/fp16 activations are kept in float32."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


def _channel(vector: torch.Tensor) -> torch.Tensor:
    return vector.view(1, -1, 1, 1)


def _rows_by_channel(activations: torch.Tensor) -> torch.Tensor:
    """[batch, channels, rows, frames] as a [positions, channels] matrix (a view when channels last)."""
    return activations.permute(0, 2, 3, 1).reshape(-1, activations.shape[1])


def _channel_stats(chunks) -> tuple:
    """Per-channel (mean, biased variance, count) over chunks of activations, merged exactly (Chan et al.)."""
    count, mean, squares = 0, 0.0, 0.0
    for chunk in chunks:
        # sums, not torch.var_mean: the latter is ~10x slower over channels-last CPU tensors
        matrix = _rows_by_channel(_wide(chunk))
        size = matrix.shape[0]
        chunk_mean = matrix.sum(0) / size
        delta = chunk_mean - mean
        squares = squares + (matrix - chunk_mean).square_().sum(0) + delta.square() * (count * size / (count + size))
        mean = mean + delta * (size / (count + size))
        count += size
    return mean, squares / count, count


def _channel_dot(first: torch.Tensor, second: torch.Tensor) -> torch.Tensor:
    """Per-channel sum of first * second, as the diagonal of one small matrix product (one pass, no temporary)."""
    return (_rows_by_channel(first).T @ _rows_by_channel(second)).diagonal()


def _reused(scratch: dict, name: str, batch: int, channels: int, rows: int, frames: int, like) -> torch.Tensor:
    """A [batch, channels, rows, frames] channels-last tensor on scratch[name], a flat buffer grown as needed.

    Tiles reuse their buffers: a fresh multi-MB tensor per tile costs more in page faults (the C
    allocator maps and unmaps blocks this large) than the elementwise pass that fills it.
    """
    numel = batch * channels * rows * frames
    if name not in scratch or scratch[name].numel() < numel:
        scratch[name] = like.new_empty(numel)
    return scratch[name][:numel].view(batch, rows, frames, channels).permute(0, 3, 1, 2)


def _patches(x, kernel, padding, scratch=None) -> torch.Tensor:
    """[positions, taps + 1] patches of a one-channel input for a stride-1 convolution, with a ones column for the bias."""
    (kernel_rows, kernel_frames), (pad_rows, pad_frames) = kernel, padding
    padded = F.pad(x[:, 0], (pad_frames, pad_frames, pad_rows, pad_rows))
    batch, rows, frames = padded.shape[0], padded.shape[1] - kernel_rows + 1, padded.shape[2] - kernel_frames + 1
    # one strided copy per tap (gathering unfold's overlapping windows is several times slower)
    taps = [padded[:, row : row + rows, frame : frame + frames] for row in range(kernel_rows) for frame in range(kernel_frames)]
    columns = [*taps, padded.new_ones(()).expand(batch, rows, frames)]
    if scratch is None:
        return torch.stack(columns, -1).flatten(0, 2)
    out = _reused(scratch, "patches", batch, len(columns), rows, frames, x).permute(0, 2, 3, 1)
    return torch.stack(columns, -1, out=out).flatten(0, 2)


def _conv2d(x, weight, bias, padding, scratch=None) -> torch.Tensor:
    """Stride-1 2-D convolution; with one input channel a matrix product over patches, channels last.

    The CPU convolution library handles one input channel in NCHW only and then converts its large
    output to channels last; the matrix product is about twice as fast, and its backward ten times.
    With a scratch dict (inference), a one-channel convolution writes into buffers kept there.
    """
    if x.shape[1] != 1 or exporting():
        return F.conv2d(x, weight, bias, padding=padding)
    batch, _, rows, frames = x.shape
    out_rows, out_frames = rows + 2 * padding[0] - weight.shape[2] + 1, frames + 2 * padding[1] - weight.shape[3] + 1
    patches = _patches(x, weight.shape[2:], padding, scratch)
    weight_matrix = torch.cat([weight.flatten(1), bias[:, None]], 1).T
    if scratch is None:
        return (patches @ weight_matrix).view(batch, out_rows, out_frames, -1).permute(0, 3, 1, 2)
    out = _reused(scratch, "conv", batch, weight.shape[0], out_rows, out_frames, x)
    # an out= product is not cast by autocast: cast as it would have
    torch.mm(patches, weight_matrix.to(patches.dtype), out=out.permute(0, 2, 3, 1).flatten(0, 2))
    return out


def _conv_backward(grad, inputs, weight, bias, padding, input_grad: bool):
    """(input, weight, bias) gradients of `_conv2d`; the input gradient is None unless input_grad."""
    if inputs.shape[1] == 1:
        return _one_channel_conv_backward(grad, inputs, weight, padding, input_grad)
    return torch.ops.aten.convolution_backward(
        grad, inputs, weight, [weight.shape[0]], [1, 1], list(padding), [1, 1], False, [0, 0], 1,
        [input_grad, True, True],
    )


def _one_channel_conv_backward(grad, inputs, weight, padding, input_grad: bool):
    grad_matrix = _rows_by_channel(grad)
    weight_and_bias = (_patches(inputs, weight.shape[2:], padding).T @ grad_matrix).T
    grad_weight, grad_bias = weight_and_bias[:, :-1].reshape(weight.shape), weight_and_bias[:, -1]
    if not input_grad:
        return None, grad_weight, grad_bias
    batch, _, rows, frames = inputs.shape
    kernel_rows, kernel_frames = weight.shape[2:]
    grad_taps = (grad_matrix @ weight.flatten(1)).view(batch, grad.shape[2], grad.shape[3], kernel_rows, kernel_frames)
    # each tap read a shifted copy of the padded input: add the taps' gradients back at their shifts
    grad_padded = grad.new_zeros(batch, rows + 2 * padding[0], frames + 2 * padding[1])
    for row in range(kernel_rows):
        for frame in range(kernel_frames):
            grad_padded[:, row : row + grad.shape[2], frame : frame + grad.shape[3]] += grad_taps[..., row, frame]
    grad_input = grad_padded[:, padding[0] : padding[0] + rows, padding[1] : padding[1] + frames]
    return grad_input.unsqueeze(1), grad_weight, grad_bias


def _conv1_rows(x, w1, b1, h1, rows) -> torch.Tensor:
    """conv1's output for some rows of the batch: kept (h1) or recomputed."""
    return _conv2d(x[rows], w1, b1, (1, 1)) if h1 is None else h1[rows]


class _TrainingBlock(torch.autograd.Function):
    """A residual block with batch-statistics BN whose backward recomputes the cheap parts.

    Autograd would keep conv1's output, the BN output, the sum before pooling and int64 pooling
    indices, all at full time resolution; this keeps conv1's output (or recomputes it where that is
    cheap) and int8 window offsets, recomputes BN and SELU in the backward pass, and walks the batch
    in chunks so temporaries stay small. BN is applied as h1 * scale + shift per channel.
    """

    @staticmethod
    def forward(ctx, x, w1, b1, gamma, beta, w2, b2, wd, bd, running_mean, running_var, momentum, eps):
        keep_h1 = x.shape[1] * RECOMPUTE_RATIO > w1.shape[0]
        h1 = _conv2d(x, w1, b1, (1, 1)) if keep_h1 else None
        chunks = _row_chunks(x.shape[0], w1.shape[0] * (x.shape[2] + 1) * x.shape[3])
        mean, var, count = _channel_stats(_conv1_rows(x, w1, b1, h1, rows) for rows in chunks)
        running_mean.lerp_(mean, momentum)
        running_var.lerp_(var * (count / (count - 1)), momentum)
        invstd = torch.rsqrt(var + eps)
        scale = gamma * invstd
        shift = beta - mean * scale
        pooled, offsets = [], []
        for rows in chunks:
            h1_rows = _wide(_conv1_rows(x, w1, b1, h1, rows))
            active = F.selu(torch.addcmul(_channel(shift), h1_rows, _channel(scale)), inplace=True)
            summed = F.conv2d(active.to(x.dtype), w2, b2, padding=(0, 1))
            summed += x[rows] if wd is None else _conv2d(x[rows], wd, bd, (0, 1))
            chunk_pooled, chunk_offsets = _pool_time_with_offsets(summed)
            pooled.append(chunk_pooled)
            offsets.append(chunk_offsets)
        ctx.save_for_backward(x, h1, torch.cat(offsets), mean, invstd, scale, shift, w1, b1, w2, b2, wd, bd)
        ctx.chunks = chunks
        return torch.cat(pooled)

    @staticmethod
    def backward(ctx, grad_pooled):
        # BN's input gradient is scale * grad_z + h1_coefficient * h1 + constant per channel, where
        # grad_z is the gradient at BN's output and the last two coefficients need batch sums of
        # grad_z. Pass 1 computes grad_z; pass 2 recomputes h1 and sends the BN input gradient back
        # through conv1. Where h1 was kept, grad_z overwrites it (float32); where it is recomputed,
        # conv1's backward takes the scale * grad_z term at once in pass 1 (it is linear), so no
        # full-size grad_z is kept: either way the block's largest tensor is never held twice.
        x, h1, offsets, mean, invstd, scale, shift, w1, b1, w2, b2, wd, bd = ctx.saved_tensors
        grads = {"x": torch.zeros_like(x)}
        batch, _, rows_in, frames = x.shape
        grad_z = h1
        if h1 is not None and h1.dtype != mean.dtype:
            grad_z = torch.empty(batch, rows_in + 1, frames, w1.shape[0], dtype=mean.dtype).permute(0, 3, 1, 2)
        grad_beta, grad_z_h1 = torch.zeros_like(mean), torch.zeros_like(mean)
        for rows in ctx.chunks:
            h1_rows = _wide(_conv1_rows(x, w1, b1, h1, rows))
            grad_summed = _unpool_time(grad_pooled[rows], offsets[rows], frames)
            _identity_backward(grad_summed, x[rows], wd, bd, grads, rows)
            active = F.selu(torch.addcmul(_channel(shift), h1_rows, _channel(scale)))
            grad_active, *conv2 = _conv_backward(grad_summed, active.to(x.dtype), w2, b2, (0, 1), True)
            _accumulate(grads, "conv2", conv2)
            grad_z_rows = torch.ops.aten.elu_backward(_wide(grad_active), SELU_ALPHA, SELU_SCALE, 1.0, True, active)
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
        for rows in ctx.chunks:
            h1_rows = _wide(_conv2d(x[rows], w1, b1, (1, 1)))
            grad_h1 = torch.addcmul(_channel(constant), h1_rows, _channel(h1_coefficient))
            if grad_z is not None:
                grad_h1.addcmul_(grad_z[rows], _channel(scale))
            _conv1_backward(ctx, grad_h1, x, w1, b1, rows, grads)
        down = grads.get("down", [None, None])
        return (grads["x"], *grads["conv1"], grad_gamma, grad_beta, *grads["conv2"], *down,
                None, None, None, None)


def _conv1_backward(ctx, grad_h1, x, w1, b1, rows, grads: dict) -> None:
    """Adds conv1's gradients for some rows of the batch into grads."""
    grad_x, *conv1 = _conv_backward(grad_h1.to(x.dtype), x[rows], w1, b1, (1, 1), ctx.needs_input_grad[0])
    _accumulate(grads, "conv1", conv1)
    if grad_x is not None:
        grads["x"][rows] += grad_x


def _identity_backward(grad_summed, x, wd, bd, grads: dict, rows) -> None:
    """Adds the residual path's gradients (input, and conv_downsample's weights where there is one) into grads."""
    if wd is None:
        grads["x"][rows] += grad_summed
        return
    grad_x, *down = _conv_backward(grad_summed, x, wd, bd, (0, 1), True)
    _accumulate(grads, "down", down)
    grads["x"][rows] += grad_x


def _fold_eval_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple:
    """Weight and bias of conv followed by eval-mode bn: one pass over the large output instead of two."""
    scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
    return conv.weight * scale.view(-1, 1, 1, 1), (conv.bias - bn.running_mean) * scale + bn.bias


def _channels_last(tensor):
    return tensor if tensor is None or tensor.dim() != 4 else tensor.contiguous(memory_format=torch.channels_last)


def _accumulate(totals: dict, name: str, grads: list) -> None:
    if name in totals:
        for total, grad in zip(totals[name], grads):
            total += grad
    else:
        totals[name] = list(grads)


class ResidualBlock(nn.Module):
    """Two (2, 3) convolutions with BN and SELU, a residual connection, then max pooling of time by 3.

    As in the official code, `bn1` exists (non-first blocks) but is never applied. With pool_time=False
    (SSL-AASIST's blocks) there is no pooling, and training runs through plain autograd: its inputs are
    small, so the memory-saving function is not needed.
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
        """[batch, in_channels, rows, frames] -> [batch, out_channels, rows, frames // 3 (or frames)]."""
        x = x.contiguous(memory_format=torch.channels_last)
        # under torch.compile the plain operators below are traced, and the compiler fuses them itself
        if self.training and torch.is_grad_enabled() and self.pool_time and not torch.compiler.is_compiling():
            return self._training_forward(x)
        if not self.training and self.pool_time and not torch.is_grad_enabled() and _tiles_pay(x):
            return self._tiled_inference(x)
        if self.training:  # batch statistics: no time pooling, or no autograd (e.g. under torch.no_grad)
            h1 = self.bn2(_conv2d(x, self.conv1.weight, self.conv1.bias, (1, 1)))
        else:
            h1 = _conv2d(x, *_fold_eval_bn(self.conv1, self.bn2), (1, 1))
        summed = self.conv2(F.selu(h1, inplace=True))
        down = self.conv_downsample
        summed += x if down is None else _conv2d(x, down.weight, down.bias, (0, 1))
        return _pool_time(summed) if self.pool_time else summed

    def _tiled_inference(self, x: torch.Tensor) -> torch.Tensor:
        """The eval-mode block over tiles of time, each small enough that its temporaries stay in cache.

        Whole-utterance temporaries at full resolution (tens of MB each) make every elementwise pass a
        trip to memory; per tile the convolutions' halo frames are recomputed instead (2 of ~1,000).
        """
        batch, _, rows, frames = x.shape
        w1, b1, w2, b2, padding_value = self._tile_weights(x)
        channels, kept = w2.shape[0], 3 * (frames // 3)
        down_folded = w1.shape[0] > channels  # conv_downsample is then part of conv1 and conv2
        scratch = {}
        pooled = x.new_empty(batch, rows, kept // 3, channels).permute(0, 3, 1, 2)  # channels last
        step = 3 * max(1, TILE_ELEMENTS // (3 * batch * channels * (rows + 1)))
        for start in range(0, kept, step):
            stop = min(start + step, kept)
            # conv2 needs conv1's output one frame beyond the tile on each side, which needs x two frames beyond
            window = _frames_with_zeros(x, start - 2, stop + 2)
            h1 = _conv2d(window, w1, b1, (1, 0), scratch)
            shifted = _reused(scratch, "exp", *h1.shape, like=x)
            torch.clamp(h1, max=0, out=shifted).exp_()
            shifted = h1.relu_().add_(shifted, alpha=SELU_ALPHA)  # SELU(h1) / scale + alpha
            if start == 0:  # conv2's zero padding, not conv1's output, lies before the first frame
                shifted[..., 0] = padding_value.view(-1, 1)
            if stop + 1 > frames:
                shifted[..., frames - start + 1 :] = padding_value.view(-1, 1, 1)
            summed = F.conv2d(shifted, w2, b2)
            down = self.conv_downsample
            if down is None:
                summed += window[..., 2:-2]
            elif not down_folded:
                summed += _conv2d(window[..., 1:-1], down.weight, down.bias, (0, 0))
            _pool_time(summed, out=pooled[..., start // 3 : stop // 3])
        return pooled

    def _tile_weights(self, x: torch.Tensor) -> tuple:
        """conv1 and conv2 weights and biases for `_tiled_inference`, and what conv2's zero padding becomes.

        Eval-mode BN is folded into conv1. SELU(h) = scale * (relu(h) + alpha * exp(min(h, 0)) - alpha):
        conv2 takes the scale into its weights and the constant into its bias, so each tile needs exp
        (cheaper than SELU's expm1) and conv2's zero padding becomes alpha. With one input channel,
        conv_downsample is folded in too, saving its pass and the residual add over the block's largest
        tensors: conv1 gains a channel that copies x plus a shift making it positive, which the SELU
        passes turn into x + shift + alpha exactly, and conv2 reads that channel with the downsample's
        taps, its bias taking the shift back.
        """
        w1, b1 = _fold_eval_bn(self.conv1, self.bn2)
        w2 = self.conv2.weight * SELU_SCALE
        b2 = self.conv2.bias - SELU_ALPHA * w2.sum((1, 2, 3))
        padding_value = x.new_full((w1.shape[0],), SELU_ALPHA)
        down = self.conv_downsample
        if down is not None and x.shape[1] == 1:
            shift = 1.0 - min(x.min().item(), 0.0)
            copy_x = torch.zeros_like(w1[:1])
            copy_x[0, 0, 1, 1] = 1  # conv1 (padding one row) sees x's row r and frame f at tap (1, 1)
            w1, b1 = torch.cat([w1, copy_x]), torch.cat([b1, b1.new_full((1,), shift)])
            w2 = torch.cat([w2, F.pad(down.weight, (0, 0, 0, 1))], 1)  # read in conv2's first kernel row only
            b2 = b2 + down.bias - (shift + SELU_ALPHA) * down.weight.sum((1, 2, 3))
            padding_value = torch.cat([padding_value, padding_value.new_full((1,), shift + SELU_ALPHA)])
        return w1, b1, w2.contiguous(memory_format=torch.channels_last), b2, padding_value

    def _training_forward(self, x: torch.Tensor) -> torch.Tensor:
        down = self.conv_downsample
        tensors = [x, self.conv1.weight, self.conv1.bias, self.conv2.weight, self.conv2.bias,
                   None if down is None else down.weight, None if down is None else down.bias]
        device_type = x.device.type
        if torch.is_autocast_enabled(device_type):
            # the custom function runs outside autocast, so cast as autocast would have for the convolutions
            dtype = torch.get_autocast_dtype(device_type)
            tensors = [None if t is None else t.to(dtype) for t in tensors]
        # channels-last weights too, or the CPU convolution backward converts its inputs to NCHW
        x, w1, b1, w2, b2, wd, bd = [_channels_last(t) for t in tensors]
        bn = self.bn2
        bn.num_batches_tracked.add_(1)
        with torch.autocast(device_type, enabled=False):
            return _TrainingBlock.apply(x, w1, b1, bn.weight, bn.bias, w2, b2, wd, bd,
                                        bn.running_mean, bn.running_var, bn.momentum, bn.eps)


def residual_encoder(filts: list, pool_time: bool = True) -> nn.Sequential:
    """The official encoder: one block per [in, out] pair, each wrapped in its own Sequential (`encoder.N.0.`)."""
    return nn.Sequential(
        *(nn.Sequential(ResidualBlock(*pair, first=i == 0, pool_time=pool_time)) for i, pair in enumerate(filts))
    )
