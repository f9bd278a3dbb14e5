"""AASIST and AASIST-L (Jung et al. 2022): checkpoint-compatible with clovaai/aasist, restructured for speed.

Attribute names follow the official state dict (`GAT_layer_S`, `pos_S`, ...) so that the published
weights load with strict=True. The arithmetic is the official model's, quirks included:
`bn1` of the residual blocks is never applied (only its parameters exist), every heterogeneous layer
uses temperatures[2] and every late pooling layer pool_ratios[2], and the hidden vector is returned
after dropout. The speed comes from channels-last convolutions, sinc filters computed once, pooling
by reshaping, and a training step for the residual blocks that saves only the convolution inputs and
the first convolution's output (see `_TrainingBlock`).
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SAMPLE_RATE = 16000

PRESETS = {
    "aasist": {
        "first_conv": 128,
        "filts": [70, [1, 32], [32, 32], [32, 64], [64, 64]],
        "gat_dims": [64, 32],
        "pool_ratios": [0.5, 0.7, 0.5, 0.5],
        "temperatures": [2.0, 2.0, 100.0, 100.0],
    },
    "aasist-l": {
        "first_conv": 128,
        "filts": [70, [1, 32], [32, 32], [32, 24], [24, 24]],
        "gat_dims": [24, 32],
        "pool_ratios": [0.4, 0.5, 0.7, 0.5],
        "temperatures": [2.0, 2.0, 100.0, 100.0],
    },
}


def _hz_to_mel(hz):
    return 2595 * np.log10(1 + hz / 700)


def _mel_to_hz(mel):
    return 700 * (10 ** (mel / 2595) - 1)


def sinc_filters(bands: int, kernel_size: int, sample_rate: int = SAMPLE_RATE) -> torch.Tensor:
    """Hamming-windowed ideal band-pass filters with mel-spaced edges, as the official AASIST: [bands, taps]."""
    taps = kernel_size | 1  # odd length, so each filter is symmetric
    mel = _hz_to_mel(sample_rate // 2 * np.linspace(0, 1, 257))  # the official 512-point FFT grid
    edges = _mel_to_hz(np.linspace(mel.min(), mel.max(), bands + 1))
    # the official code evaluates the sinc arguments and the window product in float32; doing the
    # same keeps the filters bit-identical, so outputs match to float rounding
    support = np.arange(-(taps - 1) / 2, (taps - 1) / 2 + 1, dtype=np.float32)
    ideal = sum(
        sign * (2 * edge / sample_rate) * np.sinc(np.float32(2 * edge) * support / np.float32(sample_rate))
        for sign, edge in ((1, edges[1:, None]), (-1, edges[:-1, None]))
    )
    window = torch.from_numpy(np.hamming(taps)).float()
    return window * torch.from_numpy(ideal).float()


class SincFrontEnd(nn.Module):
    """Fixed sinc filter bank, |.|, 3x3 max pooling, BN and SELU: [batch, samples] -> [batch, 1, bands // 3, frames]."""

    def __init__(self, bands: int, kernel_size: int):
        super().__init__()
        # 3x3 pooling drops the bands beyond a multiple of 3, so they are never computed
        filters = sinc_filters(bands, kernel_size)[: bands - bands % 3]
        # not persistent: the official state dict has no filters (they are fixed, not learnt)
        self.register_buffer("filters", filters.unsqueeze(1), persistent=False)
        self.kernel_size = filters.shape[1]

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Pooled sub-band magnitudes, one channel."""
        bands = F.conv1d(waveforms.unsqueeze(1), self.filters.to(waveforms.dtype)).abs()
        bands = bands.unflatten(1, (-1, 3)).amax(2)
        frames = bands.shape[-1] // 3
        return bands[..., : 3 * frames].unflatten(-1, (frames, 3)).amax(-1).unsqueeze(1)


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946
# rows of the batch a training step handles at once in the residual blocks: bounds the full-resolution
# temporaries (selu output, conv gradients) to about 64 MB whatever the batch size
CHUNK_ELEMENTS = 1 << 24


def _pool_time(activations: torch.Tensor) -> torch.Tensor:
    """Max over non-overlapping windows of 3 frames, dropping a remainder (official MaxPool2d((1, 3)))."""
    frames = activations.shape[-1] // 3
    return activations[..., : 3 * frames].unflatten(-1, (frames, 3)).amax(-1)


def _pool_time_with_offsets(activations: torch.Tensor):
    """`_pool_time` plus, for the backward pass, where in its window each maximum was (int8)."""
    frames = activations.shape[-1] // 3
    pooled, offsets = activations[..., : 3 * frames].unflatten(-1, (frames, 3)).max(-1)
    return pooled, offsets.to(torch.int8)


def _unpool_time(grad_pooled: torch.Tensor, offsets: torch.Tensor, frames: int) -> torch.Tensor:
    """Gradient of `_pool_time`: each pooled gradient goes to the frame that won its window."""
    batch, channels, rows, _ = grad_pooled.shape
    grad = grad_pooled.new_zeros(batch, rows, frames, channels).permute(0, 3, 1, 2)  # channels last
    windows = grad[..., : 3 * grad_pooled.shape[-1]].unflatten(-1, (-1, 3))
    windows.scatter_(-1, offsets.long().unsqueeze(-1), grad_pooled.unsqueeze(-1))
    return grad


def _row_chunks(batch: int, elements_per_row: int) -> list:
    step = max(1, CHUNK_ELEMENTS // elements_per_row)
    return [slice(start, start + step) for start in range(0, batch, step)]


def _wide(tensor: torch.Tensor) -> torch.Tensor:
    """At least float32: statistics and BN gradients of bf16/fp16 activations are kept in float32."""
    return tensor.to(torch.promote_types(tensor.dtype, torch.float32))


def _channel(vector: torch.Tensor) -> torch.Tensor:
    return vector.view(1, -1, 1, 1)


def _conv_backward(grad, inputs, weight, padding, input_grad: bool):
    """(input, weight, bias) gradients of a stride-1 2-D convolution with bias."""
    return torch.ops.aten.convolution_backward(
        grad, inputs, weight, [weight.shape[0]], [1, 1], list(padding), [1, 1], False, [0, 0], 1,
        [input_grad, True, True],
    )


class _TrainingBlock(torch.autograd.Function):
    """A residual block with batch-statistics BN whose backward recomputes the cheap parts.

    Autograd would keep conv1's output, the BN output, the sum before pooling and int64 pooling
    indices, all at full time resolution; this keeps conv1's output and int8 window offsets, recomputes
    BN and SELU in the backward pass, and walks the batch in chunks so temporaries stay small.
    BN is applied as h1 * scale + shift with per-channel scale = gamma / std, shift = beta - mean * scale.
    """

    @staticmethod
    def forward(ctx, x, w1, b1, gamma, beta, w2, b2, wd, bd, running_mean, running_var, momentum, eps):
        h1 = F.conv2d(x, w1, b1, padding=(1, 1))
        var, mean = torch.var_mean(_wide(h1), dim=(0, 2, 3), correction=0)
        count = h1.numel() // h1.shape[1]
        running_mean.lerp_(mean, momentum)
        running_var.lerp_(var * (count / (count - 1)), momentum)
        invstd = torch.rsqrt(var + eps)
        scale = gamma * invstd
        shift = beta - mean * scale
        pooled, offsets = [], []
        for rows in _row_chunks(x.shape[0], h1[0].numel()):
            active = F.selu(torch.addcmul(_channel(shift), _wide(h1[rows]), _channel(scale)), inplace=True)
            summed = F.conv2d(active.to(x.dtype), w2, b2, padding=(0, 1))
            summed += x[rows] if wd is None else F.conv2d(x[rows], wd, bd, padding=(0, 1))
            chunk_pooled, chunk_offsets = _pool_time_with_offsets(summed)
            pooled.append(chunk_pooled)
            offsets.append(chunk_offsets)
        ctx.save_for_backward(x, h1, torch.cat(offsets), mean, invstd, scale, shift, w1, w2, wd)
        return torch.cat(pooled)

    @staticmethod
    def backward(ctx, grad_pooled):
        x, h1, offsets, mean, invstd, scale, shift, w1, w2, wd = ctx.saved_tensors
        grad_x = torch.zeros_like(x)
        weight_grads = {}
        chunks = _row_chunks(x.shape[0], h1[0].numel())
        # pass 1: gradient at the BN output for every chunk, and the batch sums BN's gradient needs
        grad_z = torch.empty_like(h1, dtype=mean.dtype)
        for rows in chunks:
            grad_summed = _unpool_time(grad_pooled[rows], offsets[rows], h1.shape[-1])
            _identity_backward(grad_summed, x[rows], wd, grad_x[rows], weight_grads)
            active = F.selu(torch.addcmul(_channel(shift), _wide(h1[rows]), _channel(scale)))
            grad_active, *conv2 = _conv_backward(grad_summed, active.to(x.dtype), w2, (0, 1), True)
            _accumulate(weight_grads, "conv2", conv2)
            grad_z[rows] = torch.ops.aten.elu_backward(
                _wide(grad_active), SELU_ALPHA, SELU_SCALE, 1.0, True, active
            )
        grad_beta = grad_z.sum((0, 2, 3))
        grad_gamma = (torch.einsum("bchw,bchw->c", grad_z, _wide(h1)) - mean * grad_beta) * invstd
        # pass 2: BN's input gradient is affine in (grad_z, h1) per channel; then conv1's gradients
        count = h1.numel() // h1.shape[1]
        h1_coefficient = -scale * invstd * grad_gamma / count
        constant = -scale * grad_beta / count - h1_coefficient * mean
        for rows in chunks:
            grad_h1 = grad_z[rows].mul_(_channel(scale)).addcmul_(_wide(h1[rows]), _channel(h1_coefficient))
            grad_h1 += _channel(constant)
            grad_xc, *conv1 = _conv_backward(grad_h1.to(x.dtype), x[rows], w1, (1, 1), ctx.needs_input_grad[0])
            _accumulate(weight_grads, "conv1", conv1)
            if grad_xc is not None:
                grad_x[rows] += grad_xc
        down = weight_grads.get("down", [None, None])
        return (grad_x, *weight_grads["conv1"], grad_gamma, grad_beta, *weight_grads["conv2"], *down,
                None, None, None, None)


def _identity_backward(grad_summed, x, wd, grad_x, weight_grads: dict) -> None:
    """Adds the residual path's gradient into grad_x (a view) and conv_downsample's into weight_grads."""
    if wd is None:
        grad_x += grad_summed
        return
    grad_xd, *down = _conv_backward(grad_summed, x, wd, (0, 1), True)
    _accumulate(weight_grads, "down", down)
    grad_x += grad_xd


def _accumulate(totals: dict, name: str, grads: list) -> None:
    if name in totals:
        for total, grad in zip(totals[name], grads):
            total += grad
    else:
        totals[name] = list(grads)


class ResidualBlock(nn.Module):
    """Two (2, 3) convolutions with BN and SELU, a residual connection, then max pooling of time by 3.

    As in the official code, `bn1` exists (non-first blocks) but is never applied.
    """

    def __init__(self, in_channels: int, out_channels: int, first: bool = False):
        super().__init__()
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
        """[batch, in_channels, rows, frames] -> [batch, out_channels, rows, frames // 3]."""
        x = x.contiguous(memory_format=torch.channels_last)
        if self.training and torch.is_grad_enabled():
            return self._training_forward(x)
        summed = self.conv2(F.selu(self.bn2(self.conv1(x)), inplace=True))
        summed += x if self.conv_downsample is None else self.conv_downsample(x)
        return _pool_time(summed)

    def _training_forward(self, x: torch.Tensor) -> torch.Tensor:
        down = self.conv_downsample
        tensors = [x, self.conv1.weight, self.conv1.bias, self.conv2.weight, self.conv2.bias,
                   None if down is None else down.weight, None if down is None else down.bias]
        device_type = x.device.type
        if torch.is_autocast_enabled(device_type):
            # the custom function runs outside autocast, so cast as autocast would have for the convolutions
            dtype = torch.get_autocast_dtype(device_type)
            tensors = [None if t is None else t.to(dtype) for t in tensors]
        x, w1, b1, w2, b2, wd, bd = tensors
        bn = self.bn2
        bn.num_batches_tracked.add_(1)
        with torch.autocast(device_type, enabled=False):
            return _TrainingBlock.apply(x, w1, b1, bn.weight, bn.bias, w2, b2, wd, bd,
                                        bn.running_mean, bn.running_var, bn.momentum, bn.eps)


class GraphAttention(nn.Module):
    """Graph attention over fully connected nodes (official `GraphAttentionLayer`)."""

    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_weight = _xavier_parameter(out_dim, 1)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(p=0.2)
        self.temperature = temperature

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        """[batch, nodes, in_dim] -> [batch, nodes, out_dim]."""
        nodes = self.input_drop(nodes)
        pairs = torch.tanh(self.att_proj(nodes.unsqueeze(2) * nodes.unsqueeze(1)))
        attention = torch.softmax((pairs @ self.att_weight).squeeze(-1) / self.temperature, dim=-1)
        out = self.proj_with_att(attention @ nodes) + self.proj_without_att(nodes)
        return F.selu(self.bn(out.flatten(0, 1)).view_as(out))


class HeteroGraphAttention(nn.Module):
    """Attention over two node types plus a master node (official `HtrgGraphAttentionLayer`)."""

    def __init__(self, in_dim: int, out_dim: int, temperature: float):
        super().__init__()
        self.proj_type1 = nn.Linear(in_dim, in_dim)
        self.proj_type2 = nn.Linear(in_dim, in_dim)
        self.att_proj = nn.Linear(in_dim, out_dim)
        self.att_projM = nn.Linear(in_dim, out_dim)
        self.att_weight11 = _xavier_parameter(out_dim, 1)
        self.att_weight22 = _xavier_parameter(out_dim, 1)
        self.att_weight12 = _xavier_parameter(out_dim, 1)
        self.att_weightM = _xavier_parameter(out_dim, 1)
        self.proj_with_att = nn.Linear(in_dim, out_dim)
        self.proj_without_att = nn.Linear(in_dim, out_dim)
        self.proj_with_attM = nn.Linear(in_dim, out_dim)
        self.proj_without_attM = nn.Linear(in_dim, out_dim)
        self.bn = nn.BatchNorm1d(out_dim)
        self.input_drop = nn.Dropout(p=0.2)
        self.temperature = temperature

    def forward(self, nodes1, nodes2, master):
        """Updated (nodes1, nodes2, master); node counts are kept."""
        count1 = nodes1.shape[1]
        nodes = torch.cat([self.proj_type1(nodes1), self.proj_type2(nodes2)], dim=1)
        nodes = self.input_drop(nodes)
        attention = self._node_attention(nodes, count1)
        master = self._update_master(nodes, master)
        out = self.proj_with_att(attention @ nodes) + self.proj_without_att(nodes)
        out = F.selu(self.bn(out.flatten(0, 1)).view_as(out))
        return out[:, :count1], out[:, count1:], master

    def _node_attention(self, nodes, count1):
        pairs = torch.tanh(self.att_proj(nodes.unsqueeze(2) * nodes.unsqueeze(1)))
        head, tail = pairs[:, :count1], pairs[:, count1:]
        # one attention vector per block of node types; both cross-type blocks share att_weight12
        scores = torch.cat(
            [
                torch.cat([head[:, :, :count1] @ self.att_weight11, head[:, :, count1:] @ self.att_weight12], 2),
                torch.cat([tail[:, :, :count1] @ self.att_weight12, tail[:, :, count1:] @ self.att_weight22], 2),
            ],
            dim=1,
        )
        return torch.softmax(scores.squeeze(-1) / self.temperature, dim=-1)

    def _update_master(self, nodes, master):
        scores = torch.tanh(self.att_projM(nodes * master)) @ self.att_weightM
        attention = torch.softmax(scores / self.temperature, dim=1)
        return self.proj_with_attM(attention.transpose(1, 2) @ nodes) + self.proj_without_attM(master)


class GraphPool(nn.Module):
    """Keeps the top `ratio` of nodes by a learnt sigmoid score, scaled by that score."""

    def __init__(self, ratio: float, in_dim: int, dropout: float = 0.3):
        super().__init__()
        self.ratio = ratio
        self.proj = nn.Linear(in_dim, 1)
        self.drop = nn.Dropout(p=dropout)

    def forward(self, nodes: torch.Tensor) -> torch.Tensor:
        """[batch, nodes, dim] -> [batch, max(int(nodes * ratio), 1), dim]."""
        scores = torch.sigmoid(self.proj(self.drop(nodes)))
        keep = max(int(nodes.shape[1] * self.ratio), 1)
        _, index = torch.topk(scores, keep, dim=1)
        return torch.gather(nodes * scores, 1, index.expand(-1, -1, nodes.shape[2]))


def _xavier_parameter(*size: int) -> nn.Parameter:
    weight = nn.Parameter(torch.empty(*size))
    nn.init.xavier_normal_(weight)
    return weight


class AASIST(nn.Module):
    """AASIST: raw waveform [batch, samples] -> (hidden [batch, 5 * gat_dims[1]], logits [batch, 2]); logit 1 = bona fide."""

    def __init__(self, first_conv, filts, gat_dims, pool_ratios, temperatures):
        super().__init__()
        self.conv_time = SincFrontEnd(filts[0], first_conv)
        self.first_bn = nn.BatchNorm2d(1)
        block_filts = [filts[1], filts[2], filts[3], filts[4], filts[4], filts[4]]
        self.encoder = nn.Sequential(
            *(nn.Sequential(ResidualBlock(*pair, first=i == 0)) for i, pair in enumerate(block_filts))
        )
        channels, rows = filts[-1][-1], filts[0] // 3
        self.pos_S = nn.Parameter(torch.randn(1, rows, channels))
        self.master1 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))
        self.master2 = nn.Parameter(torch.randn(1, 1, gat_dims[0]))
        self.GAT_layer_S = GraphAttention(channels, gat_dims[0], temperatures[0])
        self.GAT_layer_T = GraphAttention(channels, gat_dims[0], temperatures[1])
        self.HtrgGAT_layer_ST11 = HeteroGraphAttention(gat_dims[0], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST12 = HeteroGraphAttention(gat_dims[1], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST21 = HeteroGraphAttention(gat_dims[0], gat_dims[1], temperatures[2])
        self.HtrgGAT_layer_ST22 = HeteroGraphAttention(gat_dims[1], gat_dims[1], temperatures[2])
        self.pool_S = GraphPool(pool_ratios[0], gat_dims[0])
        self.pool_T = GraphPool(pool_ratios[1], gat_dims[0])
        self.pool_hS1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT1 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hS2 = GraphPool(pool_ratios[2], gat_dims[1])
        self.pool_hT2 = GraphPool(pool_ratios[2], gat_dims[1])
        self.drop_way = nn.Dropout(0.2)
        self.drop = nn.Dropout(0.5)
        self.out_layer = nn.Linear(5 * gat_dims[1], 2)
        # each of the six blocks pools time by 3 and the last must keep at least one frame
        self.min_samples = 3 ** 7 + self.conv_time.kernel_size - 1

    def forward(self, waveforms: torch.Tensor):
        """(hidden, logits) for float waveforms [batch, samples] of at least `min_samples`."""
        if waveforms.shape[-1] < self.min_samples:
            raise ValueError(
                f"AASIST needs at least {self.min_samples} samples per input, got {waveforms.shape[-1]}: "
                "tile or pad short utterances first"
            )
        frames = F.selu(self.first_bn(self.conv_time(waveforms)))
        encoded = self.encoder(frames).abs()  # [batch, channels, rows, frames]
        spectral = self.pool_S(self.GAT_layer_S(encoded.amax(3).transpose(1, 2) + self.pos_S))
        temporal = self.pool_T(self.GAT_layer_T(encoded.amax(2).transpose(1, 2)))
        branch1 = self._inference(temporal, spectral, self.master1, 1)
        branch2 = self._inference(temporal, spectral, self.master2, 2)
        temporal, spectral, master = (torch.maximum(a, b) for a, b in zip(branch1, branch2))
        hidden = torch.cat(
            [
                temporal.abs().amax(1),
                temporal.mean(1),
                spectral.abs().amax(1),
                spectral.mean(1),
                master.squeeze(1),
            ],
            dim=1,
        )
        hidden = self.drop(hidden)
        return hidden, self.out_layer(hidden)

    def _inference(self, temporal, spectral, master, branch: int):
        """One of the two heterogeneous-graph branches: (temporal, spectral, master) after dropout."""
        first = getattr(self, f"HtrgGAT_layer_ST{branch}1")
        second = getattr(self, f"HtrgGAT_layer_ST{branch}2")
        temporal, spectral, master = first(temporal, spectral, master)
        spectral = getattr(self, f"pool_hS{branch}")(spectral)
        temporal = getattr(self, f"pool_hT{branch}")(temporal)
        temporal_aug, spectral_aug, master_aug = second(temporal, spectral, master)
        return (
            self.drop_way(temporal + temporal_aug),
            self.drop_way(spectral + spectral_aug),
            self.drop_way(master + master_aug),
        )
