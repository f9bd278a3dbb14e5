"""The training run: epochs, dev EER, checkpoints, early stopping, averaging and resume at epoch boundaries.

A run resumes from `last.pt`, written at the end of each epoch after the epoch's other files, with the model,
optimiser, schedule, loss scaler, sampler and random states and the metrics history. An epoch cut short is
redone from its start; every random draw of an epoch depends only on (seed, epoch, rank, item), so the redone
epoch equals the one that was cut short.
"""

from __future__ import annotations

import dataclasses
import logging
import math
import time

import pandas as pd
import torch

from asdf.augment import build_augmentation
from asdf.base.errors import ConfigError
from asdf.base.fileio import atomic_write_json, retry_writes
from asdf.base.paths import OutputLayout
from asdf.base.settings import Settings
from asdf.compute.devices import compiled, peak_memory_mib
from asdf.compute.distributed import Ranks, barrier, progress_for, sum_over_ranks
from asdf.data.batches import EpochSampler, TrainingCrops, labels_of, make_loader
from asdf.inference.utterance_scoring import score_utterances
from asdf.metrics import compute_eer
from asdf.models import build_model
from asdf.models.model_files import load_model_weights, model_checkpoint
from asdf.training.averaging import write_averaged_model
from asdf.training.checkpointing import copy_checkpoint, read_resume_state, remove_unfinished_writes, save_checkpoint
from asdf.training.epoch_log import EpochRecord, plot_curves, write_metrics
from asdf.training.loop import StepParts, train_epoch
from asdf.training.optim import LearningRateSchedule, build_optimizer
from asdf.training.randomness import restore_rng_state, rng_state, seed_epoch, seed_everything

logger = logging.getLogger(__name__)


def per_rank_batch(batch_size: int, ranks: Ranks) -> int:
    """training.batch_size is the batch of all ranks together; each rank takes an equal share."""
    if batch_size % ranks.world_size:
        raise ConfigError(f"training.batch_size={batch_size} must be divisible by the {ranks.world_size} processes")
    return batch_size // ranks.world_size


def wrap_for_ranks(model: torch.nn.Module, ranks: Ranks, device: torch.device) -> torch.nn.Module:
    """The model itself for one process; DistributedDataParallel around it under torchrun."""
    if not ranks.distributed:
        return model
    device_ids = [device.index] if device.type == "cuda" else None
    # AASIST and RawNet2 keep the first residual block's unused batch norm (for checkpoint compatibility)
    return torch.nn.parallel.DistributedDataParallel(model, device_ids=device_ids, find_unused_parameters=True)


def patience_exhausted(history: list[dict], best_epoch: int, patience: int) -> bool:
    """Early stopping: `patience` (> 0) epochs have passed without a better dev EER."""
    return bool(patience and history and history[-1]["epoch"] - best_epoch >= patience)


class Trainer:
    """Trains the model of `settings.model` on the training lists, checking the dev EER after each epoch."""

    def __init__(self, settings: Settings, layout: OutputLayout, device: torch.device, ranks: Ranks,
                 train_list: pd.DataFrame, dev_list: pd.DataFrame) -> None:
        self.settings, self.layout, self.device, self.ranks = settings, layout, device, ranks
        training = settings.training
        seed_everything(training.seed, training.deterministic)
        self.model = build_model(settings.model).to(device)
        self.network = compiled(self.model, settings.computing)  # what runs; self.model is what is saved
        data = settings.data
        self.train_set = TrainingCrops(train_list, data.sample_rate, data.train_samples, training.seed,
                                       build_augmentation(settings), data.balance_attacks)
        self.sampler = EpochSampler(len(train_list), training.seed, ranks.rank, ranks.world_size)
        self.loader = make_loader(self.train_set, per_rank_batch(training.batch_size, ranks),
                                  settings.computing.network_dataloader_workers, self.sampler)
        self.steps_per_epoch = min(len(self.loader), training.max_steps_per_epoch or len(self.loader))
        self.dev_list, self.dev_labels = dev_list, labels_of(dev_list)
        self.parts = self._step_parts()
        self.history: list[dict] = []
        self.best_eer, self.best_epoch = math.inf, 0

    def _step_parts(self) -> StepParts:
        """Optimiser, schedule, loss scaler and loss around the (possibly wrapped) model."""
        training, precision = self.settings.training, self.settings.computing.precision
        optimizer = build_optimizer(self.model.parameters(), training)
        updates_per_epoch = math.ceil(self.steps_per_epoch / training.accumulation_steps)
        scaler = torch.amp.GradScaler(self.device.type, enabled=precision == "fp16" and self.device.type == "cuda")
        weights = torch.tensor(training.class_weights, dtype=torch.float32, device=self.device)
        return StepParts(wrap_for_ranks(self.network, self.ranks, self.device), optimizer,
                         LearningRateSchedule(optimizer, training, updates_per_epoch), scaler,
                         torch.nn.CrossEntropyLoss(weight=weights), self.device, precision,
                         training.accumulation_steps, training.grad_clip_norm)

    def start(self) -> None:
        """Continue from last.pt when an earlier run of the same inputs stopped early, else start from the
        pretrained weights (if any). The runner has set aside the work of runs with other inputs."""
        if self.ranks.is_main:
            remove_unfinished_writes(self.layout.checkpoint("last").parent)
        state = read_resume_state(self.layout.checkpoint("last"))
        if state is not None:
            self._restore(state)
            logger.info("train: resuming after epoch %d (best dev EER %.2f%% at epoch %d)",
                        state["epoch"], 100 * self.best_eer, self.best_epoch)
        elif self.settings.model.pretrained:
            load_model_weights(self.model, self.settings.model.pretrained)
        barrier(self.ranks)

    def _restore(self, state: dict) -> None:
        """Put every part of the training state back as last.pt holds it."""
        self.model.load_state_dict(state["model"])
        self.parts.optimizer.load_state_dict(state["optimizer"])
        self.parts.schedule.load_state_dict(state["schedule"])
        self.parts.scaler.load_state_dict(state["scaler"])
        self.sampler.load_state_dict(state["sampler"])
        restore_rng_state(state["rng"])
        self.history = list(state["history"])
        self.best_eer, self.best_epoch = state["best_eer"], state["best_epoch"]
        if self.ranks.is_main:
            write_metrics(self.layout.training_metrics(), self.history)

    def fit(self) -> dict:
        """Run the remaining epochs (or stop early); return the summary written to training_done.json."""
        for epoch in range(len(self.history) + 1, self.settings.training.epochs + 1):
            if patience_exhausted(self.history, self.best_epoch, self.settings.training.early_stopping_patience):
                logger.info("train: no better dev EER for %d epochs since epoch %d: stopping early",
                            epoch - 1 - self.best_epoch, self.best_epoch)
                break
            self._end_epoch(self._run_epoch(epoch))
        return self._finish()

    def _run_epoch(self, epoch: int) -> EpochRecord:
        """Train one epoch and measure the dev EER."""
        started, training = time.monotonic(), self.settings.training
        seed_epoch(training.seed, epoch, self.ranks.rank)
        self.sampler.set_epoch(epoch)
        self.train_set.set_epoch(epoch)
        progress = progress_for(self.ranks, f"train epoch {epoch}/{training.epochs}", self.steps_per_epoch,
                                "samples", training.progress_interval_s, state_file=self.layout.training_progress(),
                                epoch=epoch, epochs=training.epochs)
        rate = self.parts.schedule.rate()
        loss_sum, seen = sum_over_ranks(self.ranks, list(train_epoch(self.parts, self.loader, epoch,
                                                                     self.steps_per_epoch, progress)))
        dev_eer = self._dev_eer(epoch)
        return EpochRecord(epoch, loss_sum / max(seen, 1), rate, dev_eer, time.monotonic() - started,
                           peak_memory_mib(self.device))

    def _dev_eer(self, epoch: int) -> float:
        """EER of the model on the dev list (scored as `eval.input` says, shared out among the ranks)."""
        run = score_utterances(self.network, self.dev_list, self.settings, self.device, self.ranks,
                               label=f"dev epoch {epoch}")
        eer, _ = compute_eer(run.scores[self.dev_labels == 1], run.scores[self.dev_labels == 0])
        return float(eer)

    def _end_epoch(self, record: EpochRecord) -> None:
        """Update the schedule, the best epoch and the history; rank 0 writes the epoch's files."""
        self.parts.schedule.after_epoch(record.dev_eer)
        self.history.append(dataclasses.asdict(record))
        improved = record.dev_eer < self.best_eer
        if improved:
            self.best_eer, self.best_epoch = record.dev_eer, record.epoch
        if self.ranks.is_main:
            retry_writes(lambda: self._write_epoch(record, improved), f"epoch {record.epoch}",
                         self.settings.computing.write_retry_s)
        barrier(self.ranks)
        logger.info("train epoch %d/%d done: loss %.4f dev EER %.2f%% (best %.2f%% at epoch %d) %.0f s",
                    record.epoch, self.settings.training.epochs, record.train_loss, 100 * record.dev_eer,
                    100 * self.best_eer, self.best_epoch, record.seconds)

    def _write_epoch(self, record: EpochRecord, improved: bool) -> None:
        """epoch_NNN.pt, best.pt if improved, then last.pt (the resume point), metrics.jsonl and the curves."""
        layout = self.layout
        epoch_path = layout.checkpoint(f"epoch_{record.epoch:03d}")
        save_checkpoint(epoch_path, model_checkpoint(self.model, self.settings.model, epoch=record.epoch,
                                                     dev_eer=record.dev_eer))
        if improved:
            copy_checkpoint(epoch_path, layout.checkpoint("best"))
        save_checkpoint(layout.checkpoint("last"), self._resume_state(record))
        write_metrics(layout.training_metrics(), self.history)
        plot_curves(layout.training_curves(), self.history)

    def _resume_state(self, record: EpochRecord) -> dict:
        """Everything needed to continue after `record.epoch` (loads with weights_only=True)."""
        parts = self.parts
        return model_checkpoint(
            self.model, self.settings.model, epoch=record.epoch, dev_eer=record.dev_eer,
            optimizer=parts.optimizer.state_dict(), schedule=parts.schedule.state_dict(),
            scaler=parts.scaler.state_dict(), sampler=self.sampler.state_dict(), rng=rng_state(),
            history=self.history, best_eer=self.best_eer, best_epoch=self.best_epoch,
        )

    def _finish(self) -> dict:
        """The averaged model (if asked for) and training_done.json, written by rank 0."""
        training = self.settings.training
        epochs_run = len(self.history)
        summary = {"epochs": training.epochs, "epochs_run": epochs_run, "stopped_early": epochs_run < training.epochs,
                   "best_epoch": self.best_epoch, "best_dev_eer": self.best_eer}
        if self.ranks.is_main:
            if training.average != "none" and self.history:
                summary["averaged"] = write_averaged_model(self.layout, self.history, training.average,
                                                           training.average_epochs)
            atomic_write_json(self.layout.training_summary(), summary)
        barrier(self.ranks)
        return summary
