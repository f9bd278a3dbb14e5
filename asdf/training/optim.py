"""Optimisers and learning-rate schedules (with warm-up) whose state is plain numbers, for checkpoints."""

from __future__ import annotations

import math

import torch

from asdf.base.errors import ConfigError
from asdf.base.settings import TrainingSettings

OPTIMIZERS = ("adam", "adamw", "sgd")
SCHEDULES = ("cosine", "step", "plateau", "constant")


def build_optimizer(parameters, training: TrainingSettings) -> torch.optim.Optimizer:
    """Adam, AdamW or SGD (Nesterov momentum) as `training.optimizer` names."""
    rate, decay = training.learning_rate, training.weight_decay
    if training.optimizer == "adam":
        return torch.optim.Adam(parameters, lr=rate, betas=tuple(training.betas), weight_decay=decay)
    if training.optimizer == "adamw":
        return torch.optim.AdamW(parameters, lr=rate, betas=tuple(training.betas), weight_decay=decay)
    if training.optimizer == "sgd":
        return torch.optim.SGD(parameters, lr=rate, momentum=training.momentum, nesterov=training.momentum > 0,
                               weight_decay=decay)
    raise ConfigError(f"training.optimizer must be one of {OPTIMIZERS}, got {training.optimizer!r}")


class LearningRateSchedule:
    """Sets the optimiser's rate before each step: warm-up times the schedule's factor.

    'cosine' decays per step to min_learning_rate over the whole run (as the AASIST paper); 'step' multiplies
    by step_gamma every step_epochs epochs; 'plateau' by plateau_factor after plateau_patience epochs without a
    better dev EER (never below min_learning_rate); 'constant' keeps the rate.
    """

    def __init__(self, optimizer: torch.optim.Optimizer, training: TrainingSettings, steps_per_epoch: int) -> None:
        if training.schedule not in SCHEDULES:
            raise ConfigError(f"training.schedule must be one of {SCHEDULES}, got {training.schedule!r}")
        self.optimizer, self.training, self.steps_per_epoch = optimizer, training, max(steps_per_epoch, 1)
        self.total_steps = max(training.epochs * self.steps_per_epoch, 1)
        self.state = {"step": 0, "plateau_scale": 1.0, "plateau_best": math.inf, "plateau_wait": 0}
        self.apply()

    def factor(self) -> float:
        """The multiplier of training.learning_rate for the next optimiser step."""
        step, training = self.state["step"], self.training
        warmup = min(1.0, (step + 1) / training.warmup_steps) if training.warmup_steps else 1.0
        floor = training.min_learning_rate / training.learning_rate
        if training.schedule == "cosine":
            return warmup * (floor + (1 - floor) * 0.5 * (1 + math.cos(math.pi * min(step / self.total_steps, 1))))
        if training.schedule == "step":
            return warmup * training.step_gamma ** (step // self.steps_per_epoch // training.step_epochs)
        if training.schedule == "plateau":
            return warmup * max(self.state["plateau_scale"], floor)
        return warmup

    def rate(self) -> float:
        """The learning rate of the next optimiser step."""
        return self.training.learning_rate * self.factor()

    def apply(self) -> None:
        """Put the current rate into the optimiser."""
        for group in self.optimizer.param_groups:
            group["lr"] = self.rate()

    def after_step(self) -> None:
        """Count an optimiser step."""
        self.state["step"] += 1
        self.apply()

    def after_epoch(self, dev_eer: float) -> None:
        """The plateau schedule's look at the dev EER."""
        state = self.state
        if dev_eer < state["plateau_best"]:
            state["plateau_best"], state["plateau_wait"] = dev_eer, 0
        else:
            state["plateau_wait"] += 1
        if self.training.schedule == "plateau" and state["plateau_wait"] >= self.training.plateau_patience:
            state["plateau_scale"] *= self.training.plateau_factor
            state["plateau_wait"] = 0
        self.apply()

    def state_dict(self) -> dict:
        """Plain numbers: the step count and the plateau bookkeeping."""
        return dict(self.state)

    def load_state_dict(self, state: dict) -> None:
        """Continue from a checkpoint's schedule state."""
        self.state = dict(state)
        self.apply()
