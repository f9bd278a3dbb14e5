"""Checks of setting values beyond their types: allowed names, positive sizes, list shapes."""

from __future__ import annotations

from asdf.errors import ConfigError
from asdf.settings import Settings

PRECISIONS = ("fp32", "bf16", "fp16")
EVAL_INPUTS = ("official", "full")
AVERAGES = ("none", "swa", "best")


def _require(condition: bool, key: str, expectation: str, value: object) -> None:
    """Raise a ConfigError naming `key` unless `condition` holds."""
    if not condition:
        raise ConfigError(f"{key} must be {expectation}, got {value!r}")


def _require_positive(settings: Settings, keys: tuple[str, ...]) -> None:
    """Each 'group.field' of `keys` must be > 0."""
    for key in keys:
        group, name = key.split(".")
        value = getattr(getattr(settings, group), name)
        _require(value > 0, key, "> 0", value)


def _require_range(settings: Settings, group: str, low: str, high: str) -> None:
    """group.low <= group.high."""
    values = getattr(settings, group)
    _require(getattr(values, low) <= getattr(values, high), f"{group}.{low}", f"<= {group}.{high}",
             getattr(values, low))


def validate_settings(settings: Settings) -> None:
    """Raise a ConfigError naming the first setting whose value cannot work."""
    computing = settings.computing
    _require(computing.precision in PRECISIONS, "computing.precision", f"one of {PRECISIONS}", computing.precision)
    _require(computing.network_dataloader_workers >= 0, "computing.network_dataloader_workers", ">= 0",
             computing.network_dataloader_workers)
    _require(all(isinstance(i, int) and i >= 0 for i in computing.gpu_ids), "computing.gpu_ids",
             "a list of device numbers", computing.gpu_ids)
    _require(computing.write_retry_s >= 0, "computing.write_retry_s", ">= 0 (0: stop at the first failure)",
             computing.write_retry_s)
    _validate_data(settings)
    _validate_training(settings)
    _validate_eval(settings)
    _validate_augmentation(settings)
    _validate_compare(settings)
    seeds = settings.recipe.seeds
    _require(all(isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 for seed in seeds)
             and len(set(seeds)) == len(seeds), "recipe.seeds", "a list of distinct integers >= 0", seeds)


def _validate_data(settings: Settings) -> None:
    """Corpus and list names, model name, sample counts."""
    from asdf.corpora import CORPUS_NAMES, split_list_name
    from asdf.models import MODEL_NAMES

    data = settings.data
    _require(data.corpus in CORPUS_NAMES, "data.corpus", f"one of {CORPUS_NAMES}", data.corpus)
    for name in [data.train_list, *data.extra_train_lists, data.dev_list, *data.eval_lists]:
        corpus, _ = split_list_name(name, data.corpus)
        _require(corpus in CORPUS_NAMES, f"the corpus of list {name!r}", f"one of {CORPUS_NAMES}", corpus)
    _require(settings.model.name in MODEL_NAMES, "model.name", f"one of {MODEL_NAMES}", settings.model.name)
    _require_positive(settings, ("data.train_samples", "data.eval_samples", "data.sample_rate"))


def _validate_training(settings: Settings) -> None:
    """Optimiser, schedule and loop settings."""
    from asdf.training.optim import OPTIMIZERS, SCHEDULES

    training = settings.training
    _require_positive(settings, ("training.epochs", "training.batch_size", "training.learning_rate",
                                 "training.accumulation_steps", "training.step_epochs", "training.average_epochs"))
    _require(training.optimizer in OPTIMIZERS, "training.optimizer", f"one of {OPTIMIZERS}", training.optimizer)
    _require(training.schedule in SCHEDULES, "training.schedule", f"one of {SCHEDULES}", training.schedule)
    _require(training.average in AVERAGES, "training.average", f"one of {AVERAGES}", training.average)
    _require(len(training.class_weights) == 2, "training.class_weights", "[spoof, bona fide] weights",
             training.class_weights)
    _require(len(training.betas) == 2, "training.betas", "two numbers", training.betas)
    for key in ("warmup_steps", "early_stopping_patience", "max_steps_per_epoch"):
        _require(getattr(training, key) >= 0, f"training.{key}", ">= 0", getattr(training, key))
    _require(training.grad_clip_norm >= 0, "training.grad_clip_norm", ">= 0 (0 disables)", training.grad_clip_norm)


def _validate_eval(settings: Settings) -> None:
    """Checkpoints and the scoring mode."""
    evaluation = settings.eval
    _require(bool(evaluation.checkpoints), "eval.checkpoints", "a non-empty list", evaluation.checkpoints)
    _require(evaluation.input in EVAL_INPUTS, "eval.input", f"one of {EVAL_INPUTS}", evaluation.input)
    _require(0 <= evaluation.max_cut < 1, "eval.max_cut", "in [0, 1)", evaluation.max_cut)
    _require_positive(settings, ("eval.batch_size", "eval.max_batch_seconds"))


def _validate_augmentation(settings: Settings) -> None:
    """RawBoost algorithm and ranges, codec names and probability."""
    from asdf.augment import AUGMENTATION_NAMES

    rawboost, augment = settings.rawboost, settings.augment
    _require(0 <= rawboost.algorithm <= 8, "rawboost.algorithm", "0 (off) or 1-8", rawboost.algorithm)
    for low, high in (("min_freq", "max_freq"), ("min_bandwidth", "max_bandwidth"),
                      ("min_coefficients", "max_coefficients"), ("min_gain_db", "max_gain_db"),
                      ("min_bias_db", "max_bias_db"), ("min_snr_db", "max_snr_db")):
        _require_range(settings, "rawboost", low, high)
    _require(0 <= augment.probability <= 1, "augment.probability", "in [0, 1]", augment.probability)
    unknown = [name for name in augment.codecs if name not in AUGMENTATION_NAMES]
    _require(not unknown, "augment.codecs", f"names from {AUGMENTATION_NAMES}", augment.codecs)
    for low, high in (("min_low_hz", "max_low_hz"), ("min_high_hz", "max_high_hz"),
                      ("min_compression", "max_compression")):
        _require_range(settings, "augment", low, high)


def _validate_compare(settings: Settings) -> None:
    """Systems and names of the compare stage: folder names, calibrated systems among those compared."""
    compare = settings.compare
    for key in ("systems", "calibrated", "conditions"):
        values = getattr(compare, key)
        _require(all(isinstance(value, str) and value for value in values), f"compare.{key}",
                 "a list of non-empty names", values)
    for key, names in (("compare.systems", compare.systems), ("compare.name", [compare.name] if compare.name else [])):
        _require(not any("/" in name or name in (".", "..") for name in names), key,
                 "folder names under paths.output_folder (no '/')", names)
    _require(len(set(compare.systems)) == len(compare.systems), "compare.systems", "distinct names", compare.systems)
    compared = compare.systems or [settings.recipe.system]
    unknown = [name for name in compare.calibrated if name not in compared]
    _require(not unknown, "compare.calibrated", f"names among the systems compared {compared}", compare.calibrated)
    _require(bool(compare.checkpoint), "compare.checkpoint", "a checkpoint name (best, last, swa, ...)",
             compare.checkpoint)
    _require(compare.bootstrap >= 0, "compare.bootstrap", ">= 0 (0: no confidence interval)", compare.bootstrap)
