"""The recipe's windowed evaluation (`eval.input = 'windows'`) against `asdf score`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import soundfile
import torch

from asdf.base.settings import Settings
from asdf.cli.main import main
from asdf.data.batches import window_starts
from asdf.inference.utterance_scoring import score_utterances
from asdf.inference.windows import Windower
from asdf.models.model_files import load_trained_model
from tests.inference.audio_files import TINY_WINDOW, tiny_checkpoint, write_audio


@pytest.mark.parametrize("length", [1, 999, 1000, 1001, 1500, 1999, 2000, 2001, 4321])
@pytest.mark.parametrize("hop", [1000, 500, 333])
def test_window_starts_are_those_of_asdf_score_s_windower(length, hop):
    windower = Windower(1000, hop)
    streamed = [start for start, _ in windower.push(np.zeros((1, length), np.float32)) + windower.finish()]
    assert window_starts(length, 1000, hop) == streamed


def test_windows_input_scores_every_file_as_asdf_score_does(tmp_path):
    checkpoint = tiny_checkpoint(tmp_path / "tiny.pt")
    # shorter than a window (tiled), one window, windows ending exactly at the end and one aligned with the end
    paths = [write_audio(tmp_path / f"{index}.flac", 16000, seconds, seed=index)
             for index, seconds in enumerate([0.15, 0.25, 0.75, 1.33])]
    results = tmp_path / "scores.jsonl"
    assert main(["score", *map(str, paths), "--model", str(checkpoint), "--window-samples", str(TINY_WINDOW),
                 "--device", "cpu", "--precision", "fp32", "--out", str(results)]) == 0
    expected = {record["path"]: record["score"] for record in map(json.loads, results.read_text().splitlines())}

    settings = Settings()
    settings.eval.input, settings.eval.batch_size, settings.data.eval_samples = "windows", 3, TINY_WINDOW
    utterances = pd.DataFrame({"path": [str(path) for path in paths],
                               "num_samples": [soundfile.info(path).frames for path in paths]})
    run = score_utterances(load_trained_model(checkpoint, torch.device("cpu")), utterances, settings,
                           torch.device("cpu"))
    np.testing.assert_allclose(run.scores, [expected[str(path)] for path in paths], rtol=0, atol=1e-5)
    assert run.audio_seconds == pytest.approx((1 + 1 + 5 + 10) * TINY_WINDOW / 16000)
