"""Optimisers and learning-rate schedules: the published AASIST cosine, warm-up, step and plateau."""

from __future__ import annotations

import math

import pytest
import torch

from asdf.base.errors import ConfigError
from asdf.base.settings import TrainingSettings
from asdf.training.optim import LearningRateSchedule, build_optimizer


def _schedule(steps_per_epoch: int = 10, **values) -> tuple[LearningRateSchedule, torch.optim.Optimizer]:
    training = TrainingSettings(epochs=10, learning_rate=1e-3, min_learning_rate=1e-5, **values)
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(1))], training)
    return LearningRateSchedule(optimizer, training, steps_per_epoch), optimizer


def _rates(schedule: LearningRateSchedule, steps: int) -> list[float]:
    rates = []
    for _ in range(steps):
        rates.append(schedule.rate())
        schedule.after_step()
    return rates


def test_cosine_decays_from_the_rate_to_the_floor():
    schedule, optimizer = _schedule()
    rates = _rates(schedule, 101)
    assert rates[0] == pytest.approx(1e-3) and rates[50] == pytest.approx((1e-3 + 1e-5) / 2)
    assert rates[100] == pytest.approx(1e-5) and optimizer.param_groups[0]["lr"] == pytest.approx(1e-5)


def test_warmup_ramps_linearly():
    schedule, _ = _schedule(warmup_steps=4, schedule="constant")
    assert _rates(schedule, 6) == pytest.approx([2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3, 1e-3])


def test_step_schedule_multiplies_every_step_epochs():
    schedule, _ = _schedule(schedule="step", step_epochs=2, step_gamma=0.1)
    rates = _rates(schedule, 41)
    assert rates[19] == pytest.approx(1e-3) and rates[20] == pytest.approx(1e-4) and rates[40] == pytest.approx(1e-5)


def test_plateau_lowers_after_patience_and_state_round_trips():
    schedule, _ = _schedule(schedule="plateau", plateau_patience=2, plateau_factor=0.5)
    for eer in (0.3, 0.2, 0.25, 0.25):
        schedule.after_epoch(eer)
    assert schedule.rate() == pytest.approx(5e-4)
    restored, _ = _schedule(schedule="plateau", plateau_patience=2, plateau_factor=0.5)
    restored.load_state_dict(schedule.state_dict())
    assert restored.rate() == schedule.rate() and not math.isinf(restored.state_dict()["plateau_best"])


@pytest.mark.parametrize("name, kind", [("adam", torch.optim.Adam), ("adamw", torch.optim.AdamW),
                                        ("sgd", torch.optim.SGD)])
def test_optimizers_by_name_get_the_rate_decay_and_betas_or_momentum(name, kind):
    training = TrainingSettings(optimizer=name, learning_rate=0.01, weight_decay=0.05, betas=[0.8, 0.95],
                                momentum=0.7)
    optimizer = build_optimizer([torch.nn.Parameter(torch.zeros(1))], training)
    group = optimizer.param_groups[0]
    assert isinstance(optimizer, kind) and group["lr"] == 0.01 and group["weight_decay"] == 0.05
    if name == "sgd":
        assert group["momentum"] == 0.7 and group["nesterov"]
    else:
        assert group["betas"] == (0.8, 0.95)


def test_weight_decay_shrinks_weights_that_have_no_gradient():
    # AdamW decays decoupled from the gradient: one step multiplies the weight by 1 - rate x decay
    weight = torch.nn.Parameter(torch.full((3,), 2.0))
    optimizer = build_optimizer([weight], TrainingSettings(optimizer="adamw", learning_rate=0.1, weight_decay=0.5))
    (weight * 0).sum().backward()
    optimizer.step()
    torch.testing.assert_close(weight.detach(), torch.full((3,), 2.0 * (1 - 0.1 * 0.5)))


def test_betas_set_how_fast_adam_forgets_a_gradient():
    # after a gradient of 1 then 0 Adam's second step is m/sqrt(v), bias-corrected: m = b1 (1 - b1) / (1 - b1^2),
    # v = b2 (1 - b2) / (1 - b2^2); a smaller b1 forgets the first gradient faster
    def second_step(betas):
        weight = torch.nn.Parameter(torch.zeros(1))
        optimizer = build_optimizer([weight], TrainingSettings(learning_rate=1.0, weight_decay=0.0, betas=betas))
        for gradient in (1.0, 0.0):
            weight.grad = torch.tensor([gradient])
            before = weight.item()
            optimizer.step()
        return before - weight.item()

    def expected(beta1, beta2):
        return beta1 * (1 - beta1) / (1 - beta1**2) / math.sqrt(beta2 * (1 - beta2) / (1 - beta2**2))

    assert second_step([0.5, 0.99]) == pytest.approx(expected(0.5, 0.99), rel=1e-5)
    assert second_step([0.9, 0.999]) == pytest.approx(expected(0.9, 0.999), rel=1e-5)


def test_unknown_names_are_refused():
    with pytest.raises(ConfigError, match="training.optimizer"):
        build_optimizer([torch.nn.Parameter(torch.zeros(1))], TrainingSettings(optimizer="lion"))
    with pytest.raises(ConfigError, match="training.schedule"):
        _schedule(schedule="linear")
