"""train: fit the model on the train list, choosing the best epoch by dev EER; resumes from last.pt."""

from __future__ import annotations

import logging
from pathlib import Path

from asdf.devices import select_device
from asdf.lists import read_utterance_list
from asdf.recipe import StageContext
from asdf.training.trainer import Trainer

logger = logging.getLogger(__name__)


def outputs(context: StageContext) -> list[Path]:
    """The summary written once every epoch is done (checkpoints appear along the way)."""
    return [context.layout.training_summary()]


def run(context: StageContext) -> None:
    """Train and write checkpoints/epoch_NNN.pt, best.pt, last.pt, logs/metrics.jsonl and training_done.json."""
    settings, layout = context.settings, context.layout
    train_list = read_utterance_list(layout.utterance_list(settings.data.train_list))
    dev_list = read_utterance_list(layout.utterance_list(settings.data.dev_list))
    device = select_device(settings.computing)
    logger.info("train: %d training and %d dev utterances on %s", len(train_list), len(dev_list), device)
    trainer = Trainer(settings, layout, device, train_list, dev_list)
    trainer.resume()
    summary = trainer.fit()
    logger.info("train: best dev EER %.2f%% at epoch %d", 100 * summary["best_dev_eer"], summary["best_epoch"])
