"""AASIST and AASIST-L (Jung et al. 2022) as published in clovaai/aasist (models/AASIST.py), in plain PyTorch.

Attribute names follow the official state dict (`conv_time`, `encoder.N.0.conv1`, `GAT_layer_S`, `pos_S`, ...)
so that the published weights load with strict=True. The arithmetic is the official model's, quirks included:
`bn1` of the residual blocks is never applied (only its parameters exist), every heterogeneous layer uses
temperatures[2] and every late pooling layer pool_ratios[2], and the hidden vector is returned after dropout.

This module is the reference, readable on its own. The model registry builds `asdf.models.aasist_fast.FastAASIST`:
the same state dict and outputs (to float rounding), faster on a CPU and with less memory in training.
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
    """Fixed sinc filter bank, |.|, 3x3 max pooling: [batch, samples] -> [batch, 1, bands // 3, frames // 3].

    The official `CONV` layer and the pooling that follows it in the official forward.
    """

    def __init__(self, bands: int, kernel_size: int):
        super().__init__()
        filters = sinc_filters(bands, kernel_size)
        self.kernel_size = filters.shape[1]
        # not persistent: the official state dict has no filters (they are fixed, not learnt)
        self.register_buffer("filters", filters, persistent=False)

    def forward(self, waveforms: torch.Tensor) -> torch.Tensor:
        """Pooled sub-band magnitudes, one channel."""
        responses = F.conv1d(waveforms.unsqueeze(1), self.filters.unsqueeze(1).to(waveforms.dtype))
        return F.max_pool2d(responses.abs().unsqueeze(1), 3)


class ResidualBlock(nn.Module):
    """conv1 -> BN -> SELU -> conv2, plus the input (through conv_downsample where the channel count changes),
    then max pooling of time by 3: [batch, in_channels, rows, frames] -> [batch, out_channels, rows, frames // 3].

    The official `Residual_block`. `bn1` exists in non-first blocks but does not touch the output: the
    official forward computes bn1(x) and then feeds x to conv1. It is not computed here, so its running
    statistics stay as loaded. With pool_time=False (SSL-AASIST's blocks, whose published code comments
    the pooling out) time is kept.
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
        # int(count * ratio) in float64, as the official code; sym_int/sym_max keep it symbolic under torch.export
        keep = torch.sym_max(torch.sym_int(nodes.shape[1] * self.ratio), 1)
        _, index = torch.topk(scores, keep, dim=1)
        return torch.gather(nodes * scores, 1, index.expand(-1, -1, nodes.shape[2]))


def _xavier_parameter(*size: int) -> nn.Parameter:
    weight = nn.Parameter(torch.empty(*size))
    nn.init.xavier_normal_(weight)
    return weight


class GraphHead:
    """AASIST's graph stage, a mixin for nn.Module subclasses (AASIST, SSL-AASIST).

    Spectral and temporal node features go through graph attention and pooling, two heterogeneous-graph
    branches with their master nodes, and the readout. Its layers are attributes of the model itself, so
    their state-dict names are the official ones (`GAT_layer_S`, `pos_S`, ...).
    """

    def _build_graph_head(self, channels: int, rows: int, gat_dims, pool_ratios, temperatures) -> None:
        """Creates the graph layers for `rows` spectral nodes of `channels` features each."""
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

    def _classify(self, spectral: torch.Tensor, temporal: torch.Tensor):
        """(hidden, logits) from spectral nodes [batch, rows, channels] (before `pos_S`) and temporal nodes."""
        spectral = self.pool_S(self.GAT_layer_S(spectral + self.pos_S))
        temporal = self.pool_T(self.GAT_layer_T(temporal))
        branch1 = self._branch(temporal, spectral, self.master1, self.HtrgGAT_layer_ST11, self.HtrgGAT_layer_ST12,
                               self.pool_hS1, self.pool_hT1)
        branch2 = self._branch(temporal, spectral, self.master2, self.HtrgGAT_layer_ST21, self.HtrgGAT_layer_ST22,
                               self.pool_hS2, self.pool_hT2)
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

    def _branch(self, temporal, spectral, master, first, second, pool_spectral, pool_temporal):
        """A heterogeneous-graph branch, two layers with pooling between: (temporal, spectral, master) after dropout."""
        temporal, spectral, master = first(temporal, spectral, master)
        spectral = pool_spectral(spectral)
        temporal = pool_temporal(temporal)
        temporal_aug, spectral_aug, master_aug = second(temporal, spectral, master)
        return (
            self.drop_way(temporal + temporal_aug),
            self.drop_way(spectral + spectral_aug),
            self.drop_way(master + master_aug),
        )


class AASIST(GraphHead, nn.Module):
    """AASIST: waveforms [batch, samples] -> (hidden [batch, 5 * gat_dims[1]], logits [batch, 2]), logit 1 bona fide."""

    # FastAASIST (asdf.models.aasist_fast) swaps in faster classes with the same weights
    front_end_class = SincFrontEnd
    block_class = ResidualBlock

    def __init__(self, first_conv, filts, gat_dims, pool_ratios, temperatures):
        super().__init__()
        self.conv_time = self.front_end_class(filts[0], first_conv)
        self.first_bn = nn.BatchNorm2d(1)
        self.encoder = residual_encoder([filts[1], filts[2], filts[3], filts[4], filts[4], filts[4]],
                                        block=self.block_class)
        self._build_graph_head(filts[-1][-1], filts[0] // 3, gat_dims, pool_ratios, temperatures)
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
        return self._classify(encoded.amax(3).transpose(1, 2), encoded.amax(2).transpose(1, 2))
