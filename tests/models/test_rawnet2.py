"""RawNet2 baseline: output contract and trainability."""

from __future__ import annotations

import pytest
import torch
import torch.nn.functional as F

from asdf.base.settings import ModelSettings
from asdf.models import build_model


@pytest.fixture(scope="module")
def rawnet2():
    torch.manual_seed(0)
    return build_model(ModelSettings(name="rawnet2"))


def test_outputs_embedding_and_log_probabilities(rawnet2):
    rawnet2.eval()
    with torch.inference_mode():
        embedding, logits = rawnet2(torch.randn(3, rawnet2.min_samples + 500))
    assert embedding.shape == (3, 1024) and logits.shape == (3, 2)
    torch.testing.assert_close(logits.exp().sum(1), torch.ones(3))
    with pytest.raises(ValueError, match=str(rawnet2.min_samples)):
        rawnet2(torch.randn(1, rawnet2.min_samples - 1))


def test_a_few_steps_fit_a_tiny_batch(rawnet2):
    rawnet2.train()
    waveforms, labels = torch.randn(4, 4000), torch.tensor([0, 1, 0, 1])
    optimizer = torch.optim.Adam(rawnet2.parameters(), lr=1e-3)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = F.nll_loss(rawnet2(waveforms)[1], labels)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    assert rawnet2.first_bn.weight.grad.abs().sum() > 0
