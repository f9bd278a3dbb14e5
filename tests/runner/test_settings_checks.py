"""validate_settings: every refusal is one line naming the setting, what it got and what it expects."""

from __future__ import annotations

import pytest

from asdf.base.config_lang import allowed_values, field_types
from asdf.base.errors import ConfigError
from asdf.base.settings import Settings
from asdf.corpora import CORPUS_NAMES
from asdf.runner.settings_checks import REGISTERED_NAMES, validate_settings

REFUSALS = [  # (key, value, the message)
    ("computing.precision", "fp23", "computing.precision must be one of 'fp32', 'bf16', 'fp16', got 'fp23' "
                                    "(did you mean 'fp32'?)"),
    ("eval.input", "ful", "eval.input must be one of 'official', 'full', 'windows', got 'ful' (did you mean 'full'?)"),
    ("training.average", "swb", "training.average must be one of 'none', 'swa', 'best', got 'swb' "
                                "(did you mean 'swa'?)"),
    ("data.corpus", "asvspoof2019", f"data.corpus must be one of {', '.join(map(repr, CORPUS_NAMES))}, "
                                    "got 'asvspoof2019' (did you mean 'asvspoof2019_la'?)"),
    ("model.name", "rawnet3", "model.name must be one of 'aasist', 'aasist-l', 'rawnet2', 'ssl-aasist', "
                              "'whisper-tiny', got 'rawnet3' (did you mean 'rawnet2'?)"),
    ("training.optimizer", "adamx", "training.optimizer must be one of 'adam', 'adamw', 'sgd', got 'adamx' "
                                    "(did you mean 'adam'?)"),
    ("training.schedule", "cosin", "training.schedule must be one of 'cosine', 'step', 'plateau', 'constant', "
                                   "got 'cosin' (did you mean 'cosine'?)"),
    ("augment.codecs", ["mp3", "mp4"], "augment.codecs must be one of 'band', "),
    ("data.eval_lists", ["eval", "asvspof5.eval"], "the corpus of data.eval_lists entry 'asvspof5.eval' must be "
                                                   "one of 'asvspoof2019_la'"),
    ("data.train_list", "asvspoof6.train", "the corpus of data.train_list entry 'asvspoof6.train' must be one of"),
    ("computing.network_dataloader_workers", -1, "computing.network_dataloader_workers must be >= 0, got -1"),
    ("computing.gpu_ids", [0, "1"], "computing.gpu_ids must be a list of device numbers, got [0, '1']"),
    ("computing.write_retry_s", -1.0, "computing.write_retry_s must be >= 0 (0: stop at the first failure), got -1.0"),
    ("data.train_samples", 0, "data.train_samples must be > 0, got 0"),
    ("data.eval_samples", -5, "data.eval_samples must be > 0, got -5"),
    ("data.sample_rate", 0, "data.sample_rate must be > 0, got 0"),
    ("training.epochs", 0, "training.epochs must be > 0, got 0"),
    ("training.batch_size", 0, "training.batch_size must be > 0, got 0"),
    ("training.learning_rate", 0.0, "training.learning_rate must be > 0, got 0.0"),
    ("training.accumulation_steps", 0, "training.accumulation_steps must be > 0, got 0"),
    ("training.step_epochs", 0, "training.step_epochs must be > 0, got 0"),
    ("training.average_epochs", 0, "training.average_epochs must be > 0, got 0"),
    ("training.class_weights", [1.0], "training.class_weights must be [spoof, bona fide] weights, got [1.0]"),
    ("training.betas", [0.9], "training.betas must be two numbers, got [0.9]"),
    ("training.warmup_steps", -1, "training.warmup_steps must be >= 0, got -1"),
    ("training.early_stopping_patience", -1, "training.early_stopping_patience must be >= 0, got -1"),
    ("training.max_steps_per_epoch", -1, "training.max_steps_per_epoch must be >= 0, got -1"),
    ("training.grad_clip_norm", -1.0, "training.grad_clip_norm must be >= 0 (0 disables), got -1.0"),
    ("eval.checkpoints", [], "eval.checkpoints must be a non-empty list, got []"),
    ("eval.max_cut", 1.0, "eval.max_cut must be in [0, 1), got 1.0"),
    ("eval.window_overlap", 1.0, "eval.window_overlap must be in [0, 1), got 1.0"),
    ("eval.batch_size", 0, "eval.batch_size must be > 0, got 0"),
    ("eval.max_batch_seconds", 0.0, "eval.max_batch_seconds must be > 0, got 0.0"),
    ("rawboost.algorithm", 9, "rawboost.algorithm must be 0 (off) or 1-8, got 9"),
    ("rawboost.min_freq", 9000.0, "rawboost.min_freq must be <= rawboost.max_freq, got 9000.0"),
    ("rawboost.min_snr_db", 50.0, "rawboost.min_snr_db must be <= rawboost.max_snr_db, got 50.0"),
    ("augment.probability", 1.5, "augment.probability must be in [0, 1], got 1.5"),
    ("augment.min_compression", 0.95, "augment.min_compression must be <= augment.max_compression, got 0.95"),
    ("compare.conditions", ["attack", ""], "compare.conditions must be a list of non-empty names, got ['attack', '']"),
    ("compare.systems", ["aasist", "../x"], "compare.systems must be folder names under paths.output_folder "
                                            "(no '/'), got ['aasist', '../x']"),
    ("compare.name", "..", "compare.name must be folder names under paths.output_folder (no '/'), got ['..']"),
    ("compare.systems", ["aasist", "aasist"], "compare.systems must be distinct names, got ['aasist', 'aasist']"),
    ("compare.calibrated", ["rawnet2"], "compare.calibrated must be names among the systems compared ['aasist']"),
    ("compare.checkpoint", "", "compare.checkpoint must be a checkpoint name (best, last, swa, ...), got ''"),
    ("compare.bootstrap", -1, "compare.bootstrap must be >= 0 (0: no confidence interval), got -1"),
    ("recipe.seeds", [1, 1], "recipe.seeds must be a list of distinct integers >= 0, got [1, 1]"),
]


@pytest.mark.parametrize("key, value, message", REFUSALS, ids=[f"{key}={value!r}" for key, value, _ in REFUSALS])
def test_each_refusal_is_one_line_naming_the_setting(key, value, message):
    settings = Settings()
    settings.recipe.system = "aasist"  # as the recipe runner fills it in
    group, name = key.split(".")
    setattr(getattr(settings, group), name, value)
    with pytest.raises(ConfigError) as refused:
        validate_settings(settings)
    assert str(refused.value).startswith(message) and "\n" not in str(refused.value)


# every name a registry or a Literal type allows, for each setting that takes names
ALLOWED_NAMES = sorted({(key, name) for key, names in REGISTERED_NAMES.items() for name in names}
                       | {(key, value) for key, kind in field_types(Settings()).items()
                          for value in allowed_values(kind) if isinstance(value, str)})


@pytest.mark.parametrize("key, name", ALLOWED_NAMES, ids=[f"{key}={name}" for key, name in ALLOWED_NAMES])
def test_every_allowed_name_passes_and_the_same_name_misspelt_is_refused(key, name):
    settings = Settings()
    group, field = key.split(".")
    as_given = [name] if isinstance(getattr(getattr(settings, group), field), list) else name
    setattr(getattr(settings, group), field, as_given)
    validate_settings(settings)
    misspelt = [f"{name}x"] if isinstance(as_given, list) else f"{name}x"
    setattr(getattr(settings, group), field, misspelt)
    with pytest.raises(ConfigError, match=rf"^{key} must be one of .*, got '{name}x'"):
        validate_settings(settings)


def test_the_defaults_pass():
    assert validate_settings(Settings()) is None


@pytest.mark.parametrize("key, value, ending", [
    ("augment.codecs", ["mp3", "mp4"], "got 'mp4' (did you mean 'mp3'?)"),
    ("data.eval_lists", ["eval", "asvspof5.eval"], "got 'asvspof5' (did you mean 'asvspoof5'?)"),
])
def test_a_refused_item_of_a_list_is_named_with_the_closest_allowed_name(key, value, ending):
    settings = Settings()
    group, name = key.split(".")
    setattr(getattr(settings, group), name, value)
    with pytest.raises(ConfigError) as refused:
        validate_settings(settings)
    assert str(refused.value).endswith(ending)
