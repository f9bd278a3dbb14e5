"""train: fit the model on the training lists, choosing the best epoch by dev EER; resumes from last.pt."""

from __future__ import annotations

import logging
from pathlib import Path

import pandas as pd

from asdf.base.errors import ConfigError
from asdf.base.paths import resolve
from asdf.base.settings import ModelSettings
from asdf.compute import distributed
from asdf.data.lists import read_utterance_list
from asdf.models.model_files import CheckpointError, read_checkpoint
from asdf.runner.freshness import StageInputs, output_files
from asdf.runner.recipe import StageContext
from asdf.training.trainer import Trainer

logger = logging.getLogger(__name__)


def outputs(context: StageContext) -> list[Path]:
    """The summary written once every epoch is done (checkpoints appear along the way)."""
    return [context.layout.training_summary()]


TRAIN_SETTINGS = ("data.train_list", "data.extra_train_lists", "data.dev_list", "data.sample_rate",
                  "data.train_samples", "data.eval_samples", "data.balance_attacks", "model", "training", "rawboost",
                  "augment", "eval.input", "eval.max_cut", "eval.window_overlap", "computing.precision")
# settings that change neither the weights nor the choice of the best epoch (the pretrained file is
# fingerprinted by its content, so moving it does not retrain)
NOT_AFFECTING_WEIGHTS = ("training.progress_interval_s", "model.pretrained", "model.ssl_allow_download",
                         "model.ssl_cache_dir")


def list_names(context: StageContext) -> list[str]:
    """The training lists and the dev list."""
    data = context.settings.data
    return [data.train_list, *data.extra_train_lists, data.dev_list]


def inputs(context: StageContext) -> StageInputs:
    """The training and dev lists, the pretrained checkpoint, and the settings that shape the weights."""
    layout = context.layout
    files = output_files(layout.root, [layout.utterance_list(name) for name in list_names(context)])
    pretrained = context.settings.model.pretrained
    if pretrained:
        files["model.pretrained"] = resolve(context.project_root, pretrained)
    return StageInputs(TRAIN_SETTINGS, files, ignored=NOT_AFFECTING_WEIGHTS)


def resumable_work(context: StageContext) -> list[Path]:
    """Checkpoints and per-epoch records: continued by a run of the same inputs, set aside otherwise."""
    layout = context.layout
    return [layout.checkpoint("last").parent, layout.training_metrics(), layout.training_curves()]


def check(context: StageContext) -> None:
    """A `model.pretrained` that is missing or not a checkpoint stops the command before any stage runs."""
    pretrained = context.settings.model.pretrained
    if pretrained:
        try:
            read_checkpoint(resolve(context.project_root, pretrained))
        except CheckpointError as error:
            raise ConfigError(f"model.pretrained: {error}") from None


def resolve_model_paths(model: ModelSettings, project_root: Path) -> None:
    """Relative checkpoint and SSL model folders are relative to the project root, like every path setting.

    The resolved paths are saved in each checkpoint, so `eval` finds the SSL model from any directory.
    """
    if model.pretrained:
        model.pretrained = str(resolve(project_root, model.pretrained))
    ssl_folder = resolve(project_root, model.ssl_model)
    if ssl_folder.is_dir():  # otherwise a hub id, looked up in the Hugging Face cache
        model.ssl_model = str(ssl_folder)


def training_utterances(context: StageContext) -> pd.DataFrame:
    """train_list and extra_train_lists, one after another (a mixture of corpora)."""
    layout = context.layout
    names = list_names(context)[:-1]
    return pd.concat([read_utterance_list(layout.utterance_list(name)) for name in names], ignore_index=True)


def run(context: StageContext) -> None:
    """Train; write checkpoints/epoch_NNN.pt, best.pt, last.pt (+ swa.pt/avg.pt), logs/metrics.jsonl and .png."""
    settings, layout = context.settings, context.layout
    resolve_model_paths(settings.model, context.project_root)
    ranks = distributed.start(settings.computing)
    train_list = training_utterances(context)
    dev_list = read_utterance_list(layout.utterance_list(settings.data.dev_list))
    device = distributed.device_of(settings.computing, ranks)
    logger.info("train: %d training and %d dev utterances on %s (%d process(es))", len(train_list), len(dev_list),
                device, ranks.world_size)
    trainer = Trainer(settings, layout, device, ranks, train_list, dev_list)
    trainer.start()
    summary = trainer.fit()
    logger.info("train: best dev EER %.2f%% at epoch %d", 100 * summary["best_dev_eer"], summary["best_epoch"])
