"""`asdf score` with the official AASIST weights reproduces the official implementation's scores."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile

from asdf.cli.main import main

OFFICIAL = {"aasist-official": "AASIST", "aasist-l-official": "AASIST-L"}


# AASIST-L's parity with these references is checked on the model itself in tests/models; here, the whole path
@pytest.mark.parametrize("model", ["aasist-official"])
def test_official_weights_give_the_reference_scores(tmp_path, shared_data, model):
    reference = np.load(shared_data / "reference" / "aasist_parity.npz")
    expected = {}
    for index, name in enumerate(reference["names"]):
        waveform = reference[f"input_{index:02d}"]
        logits = reference[f"{OFFICIAL[model]}_logits_{index:02d}"]
        if waveform.size == 64600:  # the official evaluation input; written losslessly as float WAV
            path = tmp_path / f"input_{index:02d}.wav"
            soundfile.write(path, waveform, 16000, subtype="FLOAT")
            expected[str(path)] = logits[1]
        if str(name).startswith("data/asvspoof2019") and "#" not in name:  # whole short file: tiled as the official crop
            expected[str(shared_data.parent / name)] = logits[1]
    out = tmp_path / "scores.jsonl"
    # float32: the default on a CPU with native bf16 is bf16, which keeps decisions, not the official scores' digits
    status = main(["score", *expected, "--model", model, "--shared-data", str(shared_data), "--out", str(out),
                   "--device", "cpu", "--precision", "fp32"])
    scores = {r["path"]: r["score"] for r in map(json.loads, out.read_text().splitlines())}
    assert status == 0 and len(scores) == len(expected) == 14
    for path, logit in expected.items():
        assert scores[path] == pytest.approx(float(logit), abs=1e-4), path
