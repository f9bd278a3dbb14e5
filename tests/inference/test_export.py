"""`asdf export`: ONNX (run by onnxruntime) and TorchScript files match PyTorch and are usable by `asdf score`."""

from __future__ import annotations

import json
import os
import stat

import numpy as np
import pytest
import torch

from asdf.cli.main import main
from asdf.inference.export import TOLERANCE, check_windows, random_inputs
from asdf.inference.scorers import load_torch_model
from tests.conftest import shared_data_folder
from tests.inference.audio_files import TINY_WINDOW, tiny_checkpoint, write_audio

FORMATS = {"onnx": ("model.onnx", ("onnx", "onnxscript", "onnxruntime")), "torchscript": ("model.ts", ())}


def _real_audio(tmp_path) -> list:
    """Real speech from the shared data when present, else a speech-like signal made here."""
    sample = shared_data_folder() / "asvspoof2019-la-samples" / "LA_T_1272637.flac"
    return [sample] if sample.is_file() else [write_audio(tmp_path / "speechlike.wav", 16000, 1.0)]


def _scores(path) -> list:
    return [json.loads(line)["score"] for line in path.read_text().splitlines()]


@pytest.fixture(scope="module", params=sorted(FORMATS))
def exported(request, tmp_path_factory):
    """(format, checkpoint, exported file, audio): a tiny AASIST-L exported by the CLI, checked on that audio."""
    fmt = request.param
    name, modules = FORMATS[fmt]
    for module in modules:
        pytest.importorskip(module, reason=f"{module} (the 'export' extra) is not installed")
    folder = tmp_path_factory.mktemp(fmt)
    checkpoint, exported_file, audio = tiny_checkpoint(folder / "tiny.pt"), folder / name, _real_audio(folder)
    # export checks the file on random and real windows (ONNX: and other lengths) and fails above TOLERANCE
    assert main(["export", str(checkpoint), "--format", fmt, "--out", str(exported_file),
                 "--window-samples", str(TINY_WINDOW), "--check", *map(str, audio)]) == 0
    return fmt, checkpoint, exported_file, audio


def test_export_matches_pytorch_and_scores_like_the_checkpoint(exported, tmp_path):
    _, checkpoint, exported_file, audio = exported
    for model_path, out in ((checkpoint, tmp_path / "torch.jsonl"), (exported_file, tmp_path / "exported.jsonl")):
        assert main(["score", *map(str, audio), "--model", str(model_path), "--window-samples", str(TINY_WINDOW),
                     "--device", "cpu", "--out", str(out)]) == 0
    assert _scores(tmp_path / "exported.jsonl") == pytest.approx(_scores(tmp_path / "torch.jsonl"), abs=TOLERANCE)


@pytest.mark.parametrize("exported", ["onnx"], indirect=True)  # TorchScript is traced at the window length
def test_onnx_takes_any_length_and_keeps_the_official_node_counts(exported):
    _, checkpoint, exported_file, _ = exported
    import onnxruntime

    model, _ = load_torch_model(str(checkpoint))
    session = onnxruntime.InferenceSession(str(exported_file), providers=["CPUExecutionProvider"])
    rng = np.random.default_rng(0)
    # 180 temporal nodes: AASIST-L keeps int(180 * 0.5) = 90, then int(90 * 0.7), which is 62 in
    # float64 (PyTorch) and 63 in float32 (the exporter's own arithmetic)
    for samples in (model.min_samples, 7 * TINY_WINDOW + 5, 3 ** 7 * 180 + model.conv_time.kernel_size - 1):
        inputs = random_inputs(samples, rng)
        with torch.inference_mode():
            expected = [output.numpy() for output in model(torch.from_numpy(inputs))]
        found = session.run(["hidden", "logits"], {"waveforms": inputs})
        assert max(np.abs(a - b).max() for a, b in zip(found, expected)) < TOLERANCE, samples


def test_check_windows_are_random_and_real(tmp_path):
    windows = check_windows(TINY_WINDOW, [write_audio(tmp_path / "a.wav", 44100, 0.6)])
    assert windows.shape == (6, TINY_WINDOW)  # 3 random windows, then the first 3 of the file


def test_export_refuses_to_replace_a_device_file(capsys):
    assert main(["export", "aasist-l-official", "--out", "/dev/full"]) == 2
    assert "--out /dev/full is not a regular file" in capsys.readouterr().err
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)  # still the device
