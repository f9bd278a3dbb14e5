"""SSL-AASIST (Tak et al., Odyssey 2022): an SSL front end (wav2vec 2.0 XLS-R 300M) and an AASIST back end.

The back end is the published one (TakHemlata/SSL_Anti-spoofing, model.py), with its state-dict names
(`LL`, `first_bn`, `encoder.N.0.*`, `first_bn1`, `attention.*`, `pos_S`, `GAT_layer_S`, ...) so that a
published back end loads: the SSL features are projected to 128 bands, max-pooled 3 x 3, encoded by six
residual blocks without time pooling, and reduced to spectral and temporal nodes by learnt attention
weights (softmax over time for the spectral nodes, over bands for the temporal ones) before AASIST's
graph stage. The SSL model's weights live under `ssl_model.model.` with transformers' names.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from asdf.models.aasist import GraphHead, residual_encoder
from asdf.models.ssl import SSLFrontEnd

PRESET = {
    "projection": 128,
    "filts": [[1, 32], [32, 32], [32, 64], [64, 64], [64, 64], [64, 64]],
    "gat_dims": [64, 32],
    "pool_ratios": [0.5, 0.5, 0.5, 0.5],
    "temperatures": [2.0, 2.0, 100.0, 100.0],
}
POOL = 3  # the 2-D max pooling of the projected features, over bands and frames


class SSLAASIST(GraphHead, nn.Module):
    """Waveforms [batch, samples] -> (hidden [batch, 5 * gat_dims[1]], logits [batch, 2]); logit 1 = bona fide."""

    def __init__(self, front_end: SSLFrontEnd, projection: int, filts, gat_dims, pool_ratios, temperatures):
        super().__init__()
        self.ssl_model = front_end
        self.LL = nn.Linear(front_end.output_size, projection)
        self.first_bn = nn.BatchNorm2d(1)
        self.encoder = residual_encoder(filts, pool_time=False)
        channels = filts[-1][-1]
        self.first_bn1 = nn.BatchNorm2d(channels)
        self.attention = nn.Sequential(
            nn.Conv2d(channels, 2 * channels, kernel_size=1),
            nn.SELU(),
            nn.BatchNorm2d(2 * channels),
            nn.Conv2d(2 * channels, channels, kernel_size=1),
        )
        self._build_graph_head(channels, projection // POOL, gat_dims, pool_ratios, temperatures)
        # the pooling needs at least POOL feature frames
        self.min_samples = front_end.samples_for(POOL)

    def forward(self, waveforms: torch.Tensor):
        """(hidden, logits) for float waveforms [batch, samples] of at least `min_samples`."""
        if waveforms.shape[-1] < self.min_samples:
            raise ValueError(
                f"SSL-AASIST needs at least {self.min_samples} samples per input, got {waveforms.shape[-1]}: "
                "tile or pad short utterances first"
            )
        features = self.LL(self.ssl_model(waveforms))  # [batch, frames, projection]
        bands = F.max_pool2d(features.transpose(1, 2).unsqueeze(1), POOL)
        encoded = F.selu(self.first_bn1(self.encoder(F.selu(self.first_bn(bands)))))
        weights = self.attention(encoded)  # [batch, channels, bands, frames]
        spectral = (encoded * torch.softmax(weights, dim=-1)).sum(-1)
        temporal = (encoded * torch.softmax(weights, dim=-2)).sum(-2)
        return self._classify(spectral.transpose(1, 2), temporal.transpose(1, 2))
