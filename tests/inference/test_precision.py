"""bf16 scoring: chosen only where the CPU multiplies bf16 natively, close to float32, and never
deciding a file differently (files near a decision boundary are rescored in float32)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from asdf.base.errors import ConfigError
from asdf.inference import ScoreOptions, Scorer, load_scorer, score_files
from asdf.inference.file_records import DISAGREEING_LLR, decision_margin
from asdf.inference.pipeline import RECHECK_MARGIN
from asdf.inference.scorers import native_bf16_cpu, resolve_precision
from asdf.metrics.calibration import LinearCalibration
from asdf.pretrained import DEFAULT_MODEL
from tests.inference.audio_files import speechlike, write_audio

WINDOW = 4000


def test_auto_is_bf16_only_on_a_cpu_with_native_bf16():
    assert resolve_precision("auto", torch.device("cpu")) == ("bf16" if native_bf16_cpu() else "fp32")
    assert resolve_precision("auto", torch.device("cuda")) == "fp32"
    assert resolve_precision("bf16", torch.device("cpu")) == "bf16"
    with pytest.raises(ConfigError, match="unknown precision 'fp8'"):
        resolve_precision("fp8", torch.device("cpu"))


def test_bf16_scores_the_shipped_model_within_a_tenth_or_so_of_float32():
    scorer = load_scorer(DEFAULT_MODEL, precision="bf16")
    assert scorer.precision == "bf16" and scorer.float32.precision == "fp32"
    windows = np.stack([speechlike(16000, 64600 / 16000, seed=seed)[:, 0] for seed in (0, 1)])
    difference = np.abs(scorer.predict(windows) - scorer.float32.predict(windows))
    assert difference.max() < RECHECK_MARGIN  # inside the recheck margin (measured here: 0.15)


def test_fp32_asked_for_keeps_no_float32_twin():
    scorer = load_scorer(DEFAULT_MODEL, precision="fp32")
    assert scorer.precision == "fp32" and scorer.float32 is None


def _twins(bf16_logit: float, fp32_logit: float) -> Scorer:
    """A 'bf16' stand-in model that returns `bf16_logit`, whose float32 twin returns `fp32_logit`."""
    exact = Scorer("fake", WINDOW, lambda windows: np.full(len(windows), fp32_logit))
    return Scorer("fake", WINDOW, lambda windows: np.full(len(windows), bf16_logit), precision="bf16", float32=exact)


@pytest.mark.parametrize("bf16_logit, fp32_logit, decision, precision", [
    (0.1, -0.2, "spoof", "fp32"),  # within the margin of the threshold 0: float32 decides
    (3.0, 2.9, "bonafide", "bf16"),  # far from it: the bf16 score stands
    (float("nan"), 1.0, "bonafide", "fp32"),  # bf16 overflowed: float32 scores it
])
def test_a_file_near_a_decision_boundary_is_rescored_in_float32(tmp_path, bf16_logit, fp32_logit, decision,
                                                                 precision):
    path = write_audio(tmp_path / "a.wav", 16000, 1.0)
    (result,) = score_files([path], _twins(bf16_logit, fp32_logit), ScoreOptions())
    (record,) = result.records
    assert record["decision"] == decision and record["precision"] == precision
    assert record["score"] == pytest.approx(fp32_logit if precision == "fp32" else bf16_logit)


def test_exported_models_refuse_bf16(tmp_path):
    with pytest.raises(ConfigError, match="model.onnx scores in float32"):
        load_scorer(str(tmp_path / "model.onnx"), precision="bf16")


def test_the_windows_disagree_bound_calls_for_a_recheck_only_when_both_sides_are_close():
    options = ScoreOptions(calibration=LinearCalibration(1.0, 0.0, 0.5), calibrated_range=(-50.0, 50.0))
    top, bottom = DISAGREEING_LLR, -DISAGREEING_LLR  # the bounds at the threshold 0
    # the top window at its bound, the bottom one far above its own: the flag cannot come on
    assert decision_margin([top + 0.05, top + 0.05, 1.0], options) > 1
    # both at their bounds: a small error could set the flag
    assert decision_margin([top + 0.05, top + 0.05, bottom - 0.05], options) == pytest.approx(0.05)
