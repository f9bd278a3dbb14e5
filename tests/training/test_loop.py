"""The training step: accumulation equals one large batch, clipping bounds the update, early stopping."""

from __future__ import annotations

import copy

import torch

from asdf.base.settings import TrainingSettings
from asdf.training.loop import StepParts, train_epoch
from asdf.training.optim import LearningRateSchedule, build_optimizer
from asdf.training.trainer import patience_exhausted


class _Linear(torch.nn.Module):
    """(hidden, logits) like the countermeasures."""

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(0)
        self.layer = torch.nn.Linear(6, 2)

    def forward(self, waveforms):
        return None, self.layer(waveforms)


class _Silent:
    def update(self, *arguments, **values) -> None:
        pass


def _train(batches, accumulation: int, clip_norm: float = 0.0) -> tuple[torch.nn.Module, LearningRateSchedule]:
    model = _Linear()
    training = TrainingSettings(optimizer="sgd", momentum=0.0, weight_decay=0.0, learning_rate=0.5,
                                schedule="constant", accumulation_steps=accumulation, grad_clip_norm=clip_norm)
    optimizer = build_optimizer(model.parameters(), training)
    schedule = LearningRateSchedule(optimizer, training, steps_per_epoch=1)
    parts = StepParts(model, optimizer, schedule, torch.amp.GradScaler("cpu", enabled=False),
                      torch.nn.CrossEntropyLoss(), torch.device("cpu"), "fp32", accumulation, clip_norm)
    train_epoch(parts, batches, epoch=1, steps=len(batches), progress=_Silent())
    return model, schedule


def test_two_accumulated_batches_equal_one_batch_of_both():
    generator = torch.Generator().manual_seed(1)
    inputs, labels = torch.randn(8, 6, generator=generator), torch.tensor([0, 1] * 4)
    halves = [(inputs[:4], labels[:4]), (inputs[4:], labels[4:])]
    accumulated, schedule = _train(halves, accumulation=2)
    whole, _ = _train([(inputs, labels)], accumulation=1)
    assert schedule.state["step"] == 1
    assert torch.allclose(accumulated.layer.weight, whole.layer.weight, atol=1e-6)


def test_clipping_bounds_the_update():
    inputs, labels = 100 * torch.ones(4, 6), torch.tensor([0, 0, 0, 0])
    start = copy.deepcopy(_Linear().layer.weight.detach())
    clipped, _ = _train([(inputs, labels)], accumulation=1, clip_norm=0.01)
    assert (clipped.layer.weight - start).norm() <= 0.5 * 0.01 + 1e-6


def test_early_stopping_after_patience_epochs_without_improvement():
    history = [{"epoch": epoch} for epoch in range(1, 6)]
    assert patience_exhausted(history, best_epoch=2, patience=3)
    assert not patience_exhausted(history, best_epoch=3, patience=3)
    assert not patience_exhausted(history, best_epoch=1, patience=0)
