"""Channels-last convolution and pooling primitives of the fast AASIST (`asdf.models.aasist_fast`).

One-channel convolutions are matrix products over patches (the CPU convolution library handles one
input channel in NCHW only); time pooling is a maximum over strided views. Under torch.export all of
them fall back to the plain operators.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def exporting() -> bool:
    """Whether torch.export is tracing: then the plain pooling and convolution operators are used.

    The strided views that make pooling fast in eager mode give torch.export frame counts it cannot
    keep symbolic, which would fix an exported model's input length.
    """
    return torch.compiler.is_exporting()


def time_windows(activations: torch.Tensor) -> list:
    """First, second and third frame of each window of 3 frames (a remainder is dropped, as MaxPool2d((1, 3)))."""
    frames = activations.shape[-1] // 3
    return [activations[..., offset : 3 * frames : 3] for offset in range(3)]


def pool_time(activations: torch.Tensor, out=None) -> torch.Tensor:
    """Max over non-overlapping windows of 3 frames (official MaxPool2d((1, 3))), into out if given."""
    if exporting():
        return F.max_pool2d(activations, (1, 3))
    first, second, third = time_windows(activations)
    return torch.maximum(torch.maximum(first, second, out=out), third, out=out)


def rows_by_channel(activations: torch.Tensor) -> torch.Tensor:
    """[batch, channels, rows, frames] as a [positions, channels] matrix (a view when channels last)."""
    return activations.permute(0, 2, 3, 1).reshape(-1, activations.shape[1])


def reused(scratch: dict, name: str, batch: int, channels: int, rows: int, frames: int, like) -> torch.Tensor:
    """A [batch, channels, rows, frames] channels-last tensor on scratch[name], a flat buffer grown as needed.

    Tiles reuse their buffers: a fresh multi-MB tensor per tile costs more in page faults (the C
    allocator maps and unmaps blocks this large) than the elementwise pass that fills it.
    """
    numel = batch * channels * rows * frames
    if name not in scratch or scratch[name].numel() < numel:
        scratch[name] = like.new_empty(numel)
    return scratch[name][:numel].view(batch, rows, frames, channels).permute(0, 3, 1, 2)


def fold_eval_bn(conv: nn.Conv2d, bn: nn.BatchNorm2d) -> tuple:
    """Weight and bias of conv followed by eval-mode bn: one pass over the large output instead of two."""
    scale = bn.weight * torch.rsqrt(bn.running_var + bn.eps)
    return conv.weight * scale.view(-1, 1, 1, 1), (conv.bias - bn.running_mean) * scale + bn.bias


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
    out = reused(scratch, "patches", batch, len(columns), rows, frames, x).permute(0, 2, 3, 1)
    return torch.stack(columns, -1, out=out).flatten(0, 2)


def conv2d(x, weight, bias, padding, scratch=None) -> torch.Tensor:
    """Stride-1 2-D convolution; with one input channel a matrix product over patches, channels last.

    The CPU convolution library handles one input channel in NCHW only and then converts its large
    output to channels last; the matrix product is about twice as fast, and its backward ten times.
    With a scratch dict (tiles of inference, chunks of training), a one-channel convolution writes into
    buffers kept there.
    """
    if x.shape[1] != 1 or exporting():
        return F.conv2d(x, weight, bias, padding=padding)
    out_rows, out_frames = _output_size(x, weight, padding)
    patches = _patches(x, weight.shape[2:], padding, scratch)
    weight_matrix = _weights_and_bias(weight, bias).T
    if scratch is None:
        return (patches @ weight_matrix).view(x.shape[0], out_rows, out_frames, -1).permute(0, 3, 1, 2)
    out = reused(scratch, "conv", x.shape[0], weight.shape[0], out_rows, out_frames, x)
    # an out= product is not cast by autocast: cast as it would have
    torch.mm(patches, weight_matrix.to(patches.dtype), out=out.permute(0, 2, 3, 1).flatten(0, 2))
    return out


def _output_size(x, weight, padding) -> tuple:
    """(rows, frames) of a stride-1 convolution's output."""
    return tuple(size + 2 * pad - kernel + 1 for size, pad, kernel in zip(x.shape[2:], padding, weight.shape[2:]))


def _weights_and_bias(weight, bias) -> torch.Tensor:
    """[out channels, taps + 1] of a one-channel convolution: the taps, then the bias (the patches' ones column)."""
    return torch.cat([weight.flatten(1), bias[:, None]], 1)


def conv_backward(grad, inputs, weight, bias, padding, input_grad: bool):
    """(input, weight, bias) gradients of `conv2d`; the input gradient is None unless input_grad."""
    if inputs.shape[1] == 1:
        return one_channel_conv_backward(grad, inputs, weight, padding, input_grad)
    by_products = (inputs.dtype == torch.float32 and inputs.device.type == "cpu" and _avx2_only()
                   and grad.shape[3] == inputs.shape[3])
    grads = torch.ops.aten.convolution_backward(
        grad, inputs, weight, [weight.shape[0]], [1, 1], list(padding), [1, 1], False, [0, 0], 1,
        [input_grad, not by_products, not by_products],
    )
    return (grads[0], *weight_grad_by_products(grad, inputs, weight.shape, padding)) if by_products else grads


def _avx2_only() -> bool:
    """Whether ATen runs AVX2 but not AVX-512 kernels (an x86 CPU): there oneDNN's channels-last weight gradient
    is ~9x slower than with AVX-512 (bench/conv_floor.py). Other CPUs (ARM) were not measured and keep oneDNN."""
    return torch.backends.cpu.get_cpu_capability() == "AVX2"


def weight_grad_by_products(grad, inputs, kernel_shape, padding) -> tuple:
    """(weight, bias) gradients of a stride-1 convolution that keeps the frame count, channels last.

    One matrix product per kernel tap and batch item: positions flattened to rows, a tap is a shift of
    the input's rows. Where a shift runs off a frame edge it pairs the edge frame with the next row's
    frame, not with the padding; those products are taken away again.
    """
    out_channels, in_channels, kernel_rows, kernel_frames = kernel_shape
    pad_rows, pad_frames = padding
    frames, rows, out_rows = inputs.shape[3], inputs.shape[2], grad.shape[2]
    taps = grad.new_zeros(kernel_rows, kernel_frames, out_channels, in_channels)
    for item in range(inputs.shape[0]):
        flat_inputs, flat_grad = rows_by_channel(inputs[item : item + 1]), rows_by_channel(grad[item : item + 1])
        for tap_row in range(kernel_rows):
            first, end = max(0, pad_rows - tap_row), min(out_rows, rows + pad_rows - tap_row)
            for tap_frame in range(kernel_frames):
                shift = (tap_row - pad_rows) * frames + tap_frame - pad_frames
                low, high = max(first * frames, -shift), min(end * frames, flat_inputs.shape[0] - shift)
                total = _tall_product(flat_grad[low:high], flat_inputs[low + shift : high + shift])
                # output frames whose tap reads the padding left or right of the frames
                for frame in [*range(pad_frames - tap_frame), *range(frames + pad_frames - tap_frame, frames)]:
                    wrapped = torch.arange(first, end) * frames + frame
                    wrapped = wrapped[(wrapped >= low) & (wrapped < high)]
                    total -= flat_grad[wrapped].T @ flat_inputs[wrapped + shift]
                taps[tap_row, tap_frame] += total
    return taps.permute(2, 3, 0, 1).contiguous(), rows_by_channel(grad).sum(0)


def _tall_product(first: torch.Tensor, second: torch.Tensor, pieces: int = 8) -> torch.Tensor:
    """first.T @ second for tall matrices, summed over pieces: one long product keeps only one core busy."""
    even = first.shape[0] // pieces * pieces
    split = [matrix[:even].view(pieces, -1, matrix.shape[1]) for matrix in (first, second)]
    return torch.bmm(split[0].transpose(1, 2), split[1]).sum(0).addmm_(first[even:].T, second[even:])


def one_channel_conv_backward(grad, inputs, weight, padding, input_grad: bool):
    """`conv_backward` of a one-input-channel `conv2d`, as matrix products over the same patches."""
    grad_matrix = rows_by_channel(grad)
    weight_and_bias = _tall_product(_patches(inputs, weight.shape[2:], padding), grad_matrix).T
    grad_weight, grad_bias = weight_and_bias[:, :-1].reshape(weight.shape), weight_and_bias[:, -1]
    if not input_grad:
        return None, grad_weight, grad_bias
    # the taps' matrix stored transposed: MKL's product with so few columns is about twice as fast so
    grad_taps = grad_matrix @ weight.flatten(1).T.contiguous().T
    return _taps_to_input(grad_taps, inputs.shape, grad.shape[2:], weight.shape[2:], padding), grad_weight, grad_bias


def _taps_to_input(grad_taps, input_shape, out_shape, kernel, padding) -> torch.Tensor:
    """The input gradient from each output position's gradient per kernel tap ([positions, taps])."""
    batch, _, rows, frames = input_shape
    grad_taps = grad_taps.view(batch, *out_shape, *kernel)
    # each tap read a shifted copy of the padded input: add the taps' gradients back at their shifts
    grad_padded = grad_taps.new_zeros(batch, rows + 2 * padding[0], frames + 2 * padding[1])
    for row in range(kernel[0]):
        for frame in range(kernel[1]):
            grad_padded[:, row : row + out_shape[0], frame : frame + out_shape[1]] += grad_taps[..., row, frame]
    return grad_padded[:, padding[0] : padding[0] + rows, padding[1] : padding[1] + frames].unsqueeze(1)


def patch_gram(x, kernel, padding) -> torch.Tensor:
    """Gram matrix (float64) of the patches of a one-channel input, ones column included: the statistics and
    gradients of anything affine in that input's `conv2d` output follow from it without a pass over the output."""
    patches = _patches(x, kernel, padding).double()
    return patches.T @ patches


def affine_stats_one_channel(weight, bias, gram) -> tuple:
    """Per-channel (mean, biased variance, count) of a one-channel `conv2d`'s output (float64), from `patch_gram`
    of its input."""
    weights = _weights_and_bias(weight, bias).double()
    count = gram[-1, -1]  # the ones column: one per output position
    mean = weights @ gram[-1] / count
    return mean, ((weights @ gram) * weights).sum(1) / count - mean.square(), int(count.item())


def affine_grads_one_channel(weight, bias, gram, coefficient, constant) -> tuple:
    """Weight and bias gradients of a one-channel `conv2d` whose output gradient is, per channel,
    output * coefficient + constant, from `patch_gram` of its whole input."""
    weights = _weights_and_bias(weight, bias).double()
    grads = coefficient.double()[:, None] * (weights @ gram) + constant.double()[:, None] * gram[-1]
    return grads[:, :-1].reshape(weight.shape).to(weight.dtype), grads[:, -1].to(bias.dtype)


def affine_input_grad_one_channel(x, weight, bias, padding, coefficient, constant) -> torch.Tensor:
    """Input gradient of the same convolution, for some rows of its input: each patch times one small matrix."""
    dtype = torch.promote_types(x.dtype, torch.float32)
    taps = weight.flatten(1).to(dtype)
    per_patch = _weights_and_bias(weight, bias).to(dtype).T @ (coefficient.to(dtype)[:, None] * taps)
    per_patch[-1] += constant.to(dtype) @ taps  # the ones column of the patches carries the constant
    grad_taps = _patches(x, weight.shape[2:], padding).to(dtype) @ per_patch
    return _taps_to_input(grad_taps, x.shape, _output_size(x, weight, padding), weight.shape[2:], padding)
