"""One training epoch: weighted cross-entropy, gradient accumulation and clipping, autocast and loss scaling."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import torch
from torch.utils.data import DataLoader

from asdf.compute.devices import autocast
from asdf.training import faults
from asdf.training.optim import LearningRateSchedule


@dataclass
class StepParts:
    """Everything a training step touches."""

    network: torch.nn.Module  # the model, or its DistributedDataParallel wrapper
    optimizer: torch.optim.Optimizer
    schedule: LearningRateSchedule
    scaler: torch.amp.GradScaler  # enabled for fp16 on GPUs only
    loss_function: torch.nn.Module
    device: torch.device
    precision: str
    accumulation: int  # batches per optimiser step
    clip_norm: float  # 0: no clipping


def train_epoch(parts: StepParts, loader: DataLoader, epoch: int, steps: int, progress) -> tuple[float, int]:
    """One pass of at most `steps` batches; returns (summed loss, utterances seen) of this rank."""
    parts.network.train()
    parts.optimizer.zero_grad(set_to_none=True)
    total_loss, seen = 0.0, 0
    for step, (waveforms, labels) in enumerate(loader, start=1):
        if step > steps:
            break
        faults.reached(f"step {epoch}.{step}")
        update = step % parts.accumulation == 0 or step == min(steps, len(loader))
        total_loss += _backward(parts, waveforms, labels, synchronise=update) * len(labels)
        seen += len(labels)
        if update:
            _optimiser_step(parts)
        progress.update(step, seen, loss=total_loss / seen, lr=parts.schedule.rate())
    return total_loss, seen


def _backward(parts: StepParts, waveforms: torch.Tensor, labels: torch.Tensor, synchronise: bool) -> float:
    """Forward and backward of one batch; DDP averages gradients only on the batch before an update."""
    waveforms, labels = waveforms.to(parts.device, non_blocking=True), labels.to(parts.device, non_blocking=True)
    skip_sync = not synchronise and hasattr(parts.network, "no_sync")
    with parts.network.no_sync() if skip_sync else contextlib.nullcontext():
        with autocast(parts.device, parts.precision):
            _, logits = parts.network(waveforms)
        loss = parts.loss_function(logits.float(), labels)
        parts.scaler.scale(loss / parts.accumulation).backward()
    return float(loss.item())


def _optimiser_step(parts: StepParts) -> None:
    """Clip (after unscaling), step, reset the gradients and advance the schedule."""
    if parts.clip_norm > 0:
        parts.scaler.unscale_(parts.optimizer)
        torch.nn.utils.clip_grad_norm_(parts.network.parameters(), parts.clip_norm)
    parts.scaler.step(parts.optimizer)
    parts.scaler.update()
    parts.optimizer.zero_grad(set_to_none=True)
    parts.schedule.after_step()
