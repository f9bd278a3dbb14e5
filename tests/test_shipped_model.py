"""The model shipped inside asdf: the default of `asdf score`, calibrated, small; and the packaging script that
makes it (utils/package_model.py): calibration, operating point and range from dev scores."""

from __future__ import annotations

import json
import math
import runpy
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import soundfile
import torch

from asdf.base.errors import ConfigError
from asdf.base.settings import ModelSettings
from asdf.inference.scorers import load_scorer
from asdf.models import build_model
from asdf.models.model_files import load_trained_model, model_checkpoint
from asdf.pretrained import DEFAULT_MODEL, MODEL_CARD, load_verdict, shipped_model, shipped_names
from tests.inference.audio_files import speechlike

ROOT = Path(__file__).resolve().parents[1]
PACKAGING = runpy.run_path(str(ROOT / "utils" / "package_model.py"))


def test_the_default_model_ships_small_with_its_card():
    assert DEFAULT_MODEL in shipped_names()
    weights, verdict = shipped_model(DEFAULT_MODEL)
    assert weights.stat().st_size < 3e6  # a few MB at most, inside the package
    assert MODEL_CARD.is_file() and DEFAULT_MODEL in MODEL_CARD.read_text(encoding="utf-8")
    assert 0 < verdict.prior < 1 and verdict.calibration.scale > 0 and "dev" in verdict.source


def test_asdf_score_without_a_model_gives_a_calibrated_verdict(tmp_path):
    soundfile.write(tmp_path / "speech.wav", speechlike(16000, 3.0), 16000)
    done = subprocess.run([sys.executable, "-c", "from asdf.cli.main import main; main()", "score", str(tmp_path / "speech.wav")],
                          capture_output=True, text=True, check=True)
    record = json.loads(done.stdout)
    _, verdict = shipped_model(DEFAULT_MODEL)
    assert record["model"] == DEFAULT_MODEL and record["score_type"] == "llr"
    assert record["prior"] == pytest.approx(verdict.prior) and record["calibration"] == verdict.source
    assert record["posterior"] == pytest.approx(1 / (1 + math.exp(-record["score"] - math.log(verdict.prior / (1 - verdict.prior)))))
    assert record["operating_point"].startswith(verdict.operating_point)
    assert record["decision"] in ("bonafide", "spoof", "undecided")


def test_official_models_stay_selectable_and_unknown_names_list_the_shipped_ones():
    names = f"{DEFAULT_MODEL}, asdf-open-v1, asdf-open-v2, aasist-official"
    with pytest.raises(ConfigError, match=f"not one of the model names {names}"):
        load_scorer("asdf-opne")


def test_a_broken_verdict_file_is_refused_by_name(tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "asdf-shipped-verdict-1", "scale": 1.0}')
    with pytest.raises(ConfigError, match=f"{path}: not a verdict file of a shipped asdf model"):
        load_verdict(path)


def test_the_operating_point_rejects_the_asked_share_of_dev_bona_fide():
    rng = np.random.default_rng(0)
    bonafide, spoof = rng.normal(3, 1, 400), rng.normal(-3, 1, 1600)
    verdict = PACKAGING["make_verdict"](bonafide, spoof, 0.05, 0.1, "test")
    threshold = -math.log(verdict.prior / (1 - verdict.prior))
    assert np.mean(verdict.calibration.apply(bonafide) <= threshold) == pytest.approx(0.05, abs=0.003)
    low, high = min(bonafide.min(), spoof.min()), max(bonafide.max(), spoof.max())
    assert verdict.raw_range == pytest.approx((low - 0.1 * (high - low), high + 0.1 * (high - low)))


def test_packaging_a_trained_system_writes_weights_verdict_and_dev_scores(tmp_path):
    system = tmp_path / "aasist-l-open"
    (system / "checkpoints").mkdir(parents=True)
    (system / "lists").mkdir()
    torch.manual_seed(0)
    settings = ModelSettings(name="aasist-l")
    torch.save(model_checkpoint(build_model(settings), settings, epoch=1), system / "checkpoints" / "best.pt")
    rows = []
    for index in range(6):
        path = tmp_path / f"{index}.wav"
        soundfile.write(path, speechlike(16000, 1.0 + index / 4, seed=index) * (1 + index), 16000)
        rows.append({"utt_id": f"u{index}", "path": str(path), "speaker": "s", "attack": "-" if index < 3 else "A",
                     "key": "bonafide" if index < 3 else "spoof", "num_samples": 16000})
    pd.DataFrame(rows).to_csv(system / "lists" / "dev.tsv", sep="\t", index=False)
    out = tmp_path / "shipped"
    assert PACKAGING["main"]([str(system), "--name", "tiny", "--out", str(out)]) == 0
    verdict = load_verdict(out / "tiny.json")
    assert verdict.calibration.n_bonafide == 3 and verdict.calibration.n_spoof == 3
    assert load_trained_model(out / "tiny.pt", torch.device("cpu")).training is False
    dev = pd.read_csv(out / "tiny.dev-scores.csv")
    assert list(dev["utt_id"]) == [f"u{index}" for index in range(6)]
    # raw scores are written to 6 decimals, so the LLRs agree to the scale times that rounding
    assert np.allclose(dev["llr"], verdict.calibration.apply(dev["raw_score"]), atol=verdict.calibration.scale * 1e-6)


def test_the_previous_shipped_model_stays_selectable_by_name(tmp_path):
    soundfile.write(tmp_path / "speech.wav", speechlike(16000, 3.0), 16000)
    command = [sys.executable, "-c", "from asdf.cli.main import main; main()", "score", str(tmp_path / "speech.wav")]
    done = subprocess.run(command + ["--model", "asdf-open-v1"], capture_output=True, text=True, check=True)
    record = json.loads(done.stdout)
    assert record["model"] == "asdf-open-v1" and record["score_type"] == "llr"
    assert record["calibration"] == shipped_model("asdf-open-v1")[1].source != shipped_model(DEFAULT_MODEL)[1].source
