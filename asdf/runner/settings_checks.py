"""Checks of setting values beyond their types: registered names, positive sizes, ranges, list shapes.

A field's fixed choices are its `Literal[...]` type in asdf/base/settings.py. Names defined by a registry beside the
code that uses them (corpora, models, optimisers, schedules, codecs) stay there: REGISTERED_NAMES says which
registry each such setting is checked against. (asdf/base/settings.py cannot import the registries: they import it.)
"""

from __future__ import annotations

from asdf.augment import AUGMENTATION_NAMES
from asdf.base.config_lang import allowed_values, choice_problem, field_types
from asdf.base.errors import ConfigError
from asdf.base.settings import Settings
from asdf.corpora import CORPUS_NAMES, split_list_name
from asdf.models import MODEL_NAMES
from asdf.training.optim import OPTIMIZERS, SCHEDULES

# setting -> the registry that its value (each item, for a list) must name
REGISTERED_NAMES: dict[str, tuple[str, ...]] = {
    "data.corpus": CORPUS_NAMES,
    "model.name": MODEL_NAMES,
    "training.optimizer": OPTIMIZERS,
    "training.schedule": SCHEDULES,
    "augment.codecs": AUGMENTATION_NAMES,
}
LIST_SETTINGS = ("data.train_list", "data.extra_train_lists", "data.dev_list", "data.eval_lists")


def _require(condition: bool, key: str, expectation: str, value: object) -> None:
    """Raise a ConfigError naming `key` unless `condition` holds."""
    if not condition:
        raise ConfigError(f"{key} must be {expectation}, got {value!r}")


def _value(settings: Settings, key: str):
    """The value of a 'group.field' setting."""
    group, name = key.split(".")
    return getattr(getattr(settings, group), name)


def _as_list(value) -> list:
    """A list setting as it is; any other value as a list of one."""
    return value if isinstance(value, list) else [value]


def _require_positive(settings: Settings, keys: tuple[str, ...]) -> None:
    """Each 'group.field' of `keys` must be > 0."""
    for key in keys:
        _require(_value(settings, key) > 0, key, "> 0", _value(settings, key))


def _require_allowed(key: str, value, allowed: tuple) -> None:
    """Raise a ConfigError naming `key`, `value`, the allowed values and the closest one unless `value` is allowed."""
    if value not in allowed:
        raise ConfigError(choice_problem(key, value, allowed))


def _require_range(settings: Settings, group: str, low: str, high: str) -> None:
    """group.low <= group.high."""
    values = getattr(settings, group)
    _require(getattr(values, low) <= getattr(values, high), f"{group}.{low}", f"<= {group}.{high}",
             getattr(values, low))


def validate_settings(settings: Settings) -> None:
    """Raise a ConfigError naming the first setting whose value cannot work."""
    _validate_names(settings)
    computing = settings.computing
    _require(computing.network_dataloader_workers >= 0, "computing.network_dataloader_workers", ">= 0",
             computing.network_dataloader_workers)
    _require(all(isinstance(i, int) and i >= 0 for i in computing.gpu_ids), "computing.gpu_ids",
             "a list of device numbers", computing.gpu_ids)
    _require(computing.write_retry_s >= 0, "computing.write_retry_s", ">= 0 (0: stop at the first failure)",
             computing.write_retry_s)
    _require_positive(settings, ("data.train_samples", "data.eval_samples", "data.sample_rate"))
    _validate_training(settings)
    _validate_eval(settings)
    _validate_augmentation(settings)
    _validate_compare(settings)
    seeds = settings.recipe.seeds
    _require(all(isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 for seed in seeds)
             and len(set(seeds)) == len(seeds), "recipe.seeds", "a list of distinct integers >= 0", seeds)


def _validate_names(settings: Settings) -> None:
    """Values of `Literal[...]` fields among those listed, names of registries among those registered."""
    for key, expected in field_types(settings).items():
        if allowed_values(expected):
            _require_allowed(key, _value(settings, key), allowed_values(expected))
    for key, names in REGISTERED_NAMES.items():
        for name in _as_list(_value(settings, key)):
            _require_allowed(key, name, names)
    for key in LIST_SETTINGS:
        for name in _as_list(_value(settings, key)):
            corpus, _ = split_list_name(name, settings.data.corpus)
            _require_allowed(f"the corpus of {key} entry {name!r}", corpus, CORPUS_NAMES)


def _validate_training(settings: Settings) -> None:
    """Optimiser, schedule and loop settings."""
    training = settings.training
    _require_positive(settings, ("training.epochs", "training.batch_size", "training.learning_rate",
                                 "training.accumulation_steps", "training.step_epochs", "training.average_epochs"))
    _require(len(training.class_weights) == 2, "training.class_weights", "[spoof, bona fide] weights",
             training.class_weights)
    _require(len(training.betas) == 2, "training.betas", "two numbers", training.betas)
    for key in ("warmup_steps", "early_stopping_patience", "max_steps_per_epoch"):
        _require(getattr(training, key) >= 0, f"training.{key}", ">= 0", getattr(training, key))
    _require(training.grad_clip_norm >= 0, "training.grad_clip_norm", ">= 0 (0 disables)", training.grad_clip_norm)


def _validate_eval(settings: Settings) -> None:
    """Checkpoints, full-file batching and window overlap."""
    evaluation = settings.eval
    _require(bool(evaluation.checkpoints), "eval.checkpoints", "a non-empty list", evaluation.checkpoints)
    _require(0 <= evaluation.max_cut < 1, "eval.max_cut", "in [0, 1)", evaluation.max_cut)
    _require(0 <= evaluation.window_overlap < 1, "eval.window_overlap", "in [0, 1)", evaluation.window_overlap)
    _require_positive(settings, ("eval.batch_size", "eval.max_batch_seconds"))


def _validate_augmentation(settings: Settings) -> None:
    """RawBoost algorithm and ranges, codec probability and ranges."""
    rawboost, augment = settings.rawboost, settings.augment
    _require(0 <= rawboost.algorithm <= 8, "rawboost.algorithm", "0 (off) or 1-8", rawboost.algorithm)
    for low, high in (("min_freq", "max_freq"), ("min_bandwidth", "max_bandwidth"),
                      ("min_coefficients", "max_coefficients"), ("min_gain_db", "max_gain_db"),
                      ("min_bias_db", "max_bias_db"), ("min_snr_db", "max_snr_db")):
        _require_range(settings, "rawboost", low, high)
    _require(0 <= augment.probability <= 1, "augment.probability", "in [0, 1]", augment.probability)
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
