"""Checks of setting values beyond their types: allowed names, positive sizes, list shapes."""

from __future__ import annotations

from asdf.errors import ConfigError
from asdf.settings import Settings

PRECISIONS = ("fp32", "bf16", "fp16")


def _require(condition: bool, key: str, expectation: str, value: object) -> None:
    """Raise a ConfigError naming `key` unless `condition` holds."""
    if not condition:
        raise ConfigError(f"{key} must be {expectation}, got {value!r}")


def validate_settings(settings: Settings) -> None:
    """Raise a ConfigError naming the first setting whose value cannot work."""
    from asdf.corpora import CORPUS_NAMES
    from asdf.models import MODEL_NAMES

    computing, data, training = settings.computing, settings.data, settings.training
    _require(computing.precision in PRECISIONS, "computing.precision", f"one of {PRECISIONS}", computing.precision)
    _require(computing.network_dataloader_workers >= 0, "computing.network_dataloader_workers", ">= 0",
             computing.network_dataloader_workers)
    _require(all(isinstance(i, int) and i >= 0 for i in computing.gpu_ids), "computing.gpu_ids",
             "a list of device numbers", computing.gpu_ids)
    _require(data.corpus in CORPUS_NAMES, "data.corpus", f"one of {CORPUS_NAMES}", data.corpus)
    _require(settings.model.name in MODEL_NAMES, "model.name", f"one of {MODEL_NAMES}", settings.model.name)
    for key in ("train_samples", "eval_samples", "sample_rate"):
        _require(getattr(data, key) > 0, f"data.{key}", "> 0", getattr(data, key))
    for key in ("epochs", "batch_size"):
        _require(getattr(training, key) > 0, f"training.{key}", "> 0", getattr(training, key))
    _require(training.learning_rate > 0, "training.learning_rate", "> 0", training.learning_rate)
    _require(len(training.class_weights) == 2, "training.class_weights", "[spoof, bona fide] weights",
             training.class_weights)
    _require(len(training.betas) == 2, "training.betas", "two numbers", training.betas)
    _require(bool(settings.eval.checkpoints), "eval.checkpoints", "a non-empty list", settings.eval.checkpoints)
