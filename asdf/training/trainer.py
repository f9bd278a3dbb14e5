"""The training loop: weighted cross-entropy, Adam, cosine schedule, per-epoch dev EER and checkpoints."""

from __future__ import annotations

import json
import logging
import math
import time
from dataclasses import dataclass

import numpy as np
import pandas as pd
import torch

from asdf.batches import EvaluationInputs, TrainingCrops, labels_of, make_loader
from asdf.devices import autocast
from asdf.fileio import atomic_write_json, atomic_write_text
from asdf.metrics import compute_eer
from asdf.models import build_model
from asdf.models.checkpoint import load_model_weights
from asdf.paths import OutputLayout
from asdf.progress import Progress
from asdf.scoring import score_dataset
from asdf.settings import Settings, TrainingSettings
from asdf.training.checkpoints import (
    copy_checkpoint,
    model_checkpoint,
    read_resume_state,
    restore_rng_state,
    rng_state,
    save_checkpoint,
)

logger = logging.getLogger(__name__)


@dataclass
class EpochRecord:
    """What one epoch produced; one line of metrics.jsonl."""

    epoch: int
    train_loss: float
    learning_rate: float
    dev_eer: float
    seconds: float


def cosine_schedule(optimizer: torch.optim.Optimizer, training: TrainingSettings, total_steps: int):
    """Cosine decay per step from the learning rate to `min_learning_rate`, as in the AASIST paper."""
    floor = training.min_learning_rate / training.learning_rate

    def factor(step: int) -> float:
        return floor + (1.0 - floor) * 0.5 * (1.0 + math.cos(math.pi * min(step, total_steps) / total_steps))

    return torch.optim.lr_scheduler.LambdaLR(optimizer, factor)


class Trainer:
    """Trains the model of `settings.model` on the train list, checking the dev EER after each epoch."""

    def __init__(self, settings: Settings, layout: OutputLayout, device: torch.device,
                 train_list: pd.DataFrame, dev_list: pd.DataFrame) -> None:
        self.settings, self.layout, self.device = settings, layout, device
        training, data, computing = settings.training, settings.data, settings.computing
        torch.manual_seed(training.seed)
        np.random.seed(training.seed)
        self.model = build_model(settings.model).to(device)
        if settings.model.pretrained:
            load_model_weights(self.model, settings.model.pretrained)
        self.train_set = TrainingCrops(train_list, data.sample_rate, data.train_samples, training.seed)
        self.train_loader = make_loader(self.train_set, training.batch_size, computing.network_dataloader_workers,
                                        shuffle_seed=training.seed)
        self.dev_set = EvaluationInputs(dev_list, data.sample_rate, data.eval_samples)
        self.dev_labels = labels_of(dev_list)
        self.steps_per_epoch = len(self.train_loader)
        if training.max_steps_per_epoch:
            self.steps_per_epoch = min(self.steps_per_epoch, training.max_steps_per_epoch)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=training.learning_rate,
                                          betas=tuple(training.betas), weight_decay=training.weight_decay)
        self.scheduler = cosine_schedule(self.optimizer, training, training.epochs * self.steps_per_epoch)
        weights = torch.tensor(training.class_weights, dtype=torch.float32, device=device)
        self.loss_function = torch.nn.CrossEntropyLoss(weight=weights)
        self.best_eer, self.best_epoch, self.first_epoch = math.inf, 0, 1

    def resume(self) -> None:
        """Continue from last.pt when a previous run of the same stage stopped early."""
        state = read_resume_state(self.layout.checkpoint("last"))
        if state is None:
            return
        self.model.load_state_dict(state["model"])
        self.optimizer.load_state_dict(state["optimizer"])
        self.scheduler.load_state_dict(state["scheduler"])
        restore_rng_state(state["rng"])
        self.best_eer, self.best_epoch = state["best_eer"], state["best_epoch"]
        self.first_epoch = state["epoch"] + 1
        self._truncate_metrics(state["epoch"])
        logger.info("train: resuming after epoch %d (best dev EER %.4f at epoch %d)",
                    state["epoch"], self.best_eer, self.best_epoch)

    def fit(self) -> dict:
        """Run the remaining epochs; return the summary written to training_done.json."""
        epochs = self.settings.training.epochs
        for epoch in range(self.first_epoch, epochs + 1):
            started = time.monotonic()
            train_loss = self._train_epoch(epoch)
            dev_eer = self._dev_eer(epoch)
            record = EpochRecord(epoch, train_loss, self.scheduler.get_last_lr()[0], dev_eer,
                                 time.monotonic() - started)
            self._save_epoch(record)
            logger.info("train epoch %d/%d done: loss %.4f dev EER %.2f%% (best %.2f%% at epoch %d) %.0f s",
                        epoch, epochs, train_loss, 100 * dev_eer, 100 * self.best_eer, self.best_epoch,
                        record.seconds)
        summary = {"epochs": epochs, "best_epoch": self.best_epoch, "best_dev_eer": self.best_eer}
        atomic_write_json(self.layout.training_summary(), summary)
        return summary

    def _train_epoch(self, epoch: int) -> float:
        """One pass over the training crops; returns the mean loss."""
        self.model.train()
        self.train_set.set_epoch(epoch)
        self.train_loader.generator.manual_seed(self.settings.training.seed + epoch)
        precision = self.settings.computing.precision
        scaler = torch.amp.GradScaler(self.device.type, enabled=precision == "fp16")
        progress = Progress(f"train epoch {epoch}/{self.settings.training.epochs}", self.steps_per_epoch,
                            interval_s=self.settings.training.progress_interval_s)
        total_loss, seen = 0.0, 0
        for step, (waveforms, labels) in enumerate(self.train_loader, start=1):
            if step > self.steps_per_epoch:
                break
            waveforms, labels = waveforms.to(self.device), labels.to(self.device)
            with autocast(self.device, precision):
                _, logits = self.model(waveforms)
                loss = self.loss_function(logits.float(), labels)
            self.optimizer.zero_grad(set_to_none=True)
            scaler.scale(loss).backward()
            scaler.step(self.optimizer)
            scaler.update()
            self.scheduler.step()
            total_loss += loss.item() * len(labels)
            seen += len(labels)
            progress.update(step, seen, loss=total_loss / seen, lr=self.scheduler.get_last_lr()[0])
        return total_loss / max(seen, 1)

    def _dev_eer(self, epoch: int) -> float:
        """EER of the model on the dev list."""
        settings = self.settings
        scores = score_dataset(self.model, self.dev_set, settings.eval.batch_size,
                               settings.computing.network_dataloader_workers, self.device,
                               settings.computing.precision, label=f"dev epoch {epoch}",
                               interval_s=settings.training.progress_interval_s)
        eer, _ = compute_eer(scores[self.dev_labels == 1], scores[self.dev_labels == 0])
        return float(eer)

    def _save_epoch(self, record: EpochRecord) -> None:
        """Write epoch_NNN.pt, best.pt when the dev EER improved, last.pt (resume state) and the metrics line."""
        epoch_path = self.layout.checkpoint(f"epoch_{record.epoch:03d}")
        save_checkpoint(epoch_path, model_checkpoint(self.model, self.settings.model, epoch=record.epoch,
                                                     dev_eer=record.dev_eer))
        if record.dev_eer < self.best_eer:
            self.best_eer, self.best_epoch = record.dev_eer, record.epoch
            copy_checkpoint(epoch_path, self.layout.checkpoint("best"))
        resume_state = model_checkpoint(
            self.model, self.settings.model, epoch=record.epoch, dev_eer=record.dev_eer,
            optimizer=self.optimizer.state_dict(), scheduler=self.scheduler.state_dict(), rng=rng_state(),
            best_eer=self.best_eer, best_epoch=self.best_epoch,
        )
        save_checkpoint(self.layout.checkpoint("last"), resume_state)
        with open(self.layout.training_metrics(), "a", encoding="utf-8") as metrics:
            metrics.write(json.dumps(record.__dict__) + "\n")

    def _truncate_metrics(self, last_epoch: int) -> None:
        """Drop metric lines of epochs after the resumed checkpoint (they will be redone)."""
        path = self.layout.training_metrics()
        if not path.is_file():
            return
        kept = [line for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip() and json.loads(line)["epoch"] <= last_epoch]
        atomic_write_text(path, "".join(line + "\n" for line in kept))
