"""`asdf export`: ONNX (run by onnxruntime) and TorchScript files match PyTorch and are usable by `asdf score`."""

from __future__ import annotations

import json

import pytest

from asdf.cli import main
from asdf.export import TOLERANCE, check_windows
from tests.conftest import shared_data_folder
from tests.inference.audio_files import TINY_WINDOW, tiny_checkpoint, write_audio

FORMATS = {"onnx": ("model.onnx", ("onnx", "onnxscript", "onnxruntime")), "torchscript": ("model.ts", ())}


def _real_audio(tmp_path) -> list:
    """Real speech from the shared data when present, else a speech-like signal made here."""
    sample = shared_data_folder() / "asvspoof2019-la-samples" / "LA_T_1272637.flac"
    return [sample] if sample.is_file() else [write_audio(tmp_path / "speechlike.wav", 16000, 1.0)]


def _scores(path) -> list:
    return [json.loads(line)["score"] for line in path.read_text().splitlines()]


@pytest.mark.parametrize("fmt", sorted(FORMATS))
def test_export_matches_pytorch_and_scores_like_the_checkpoint(tmp_path, fmt):
    name, modules = FORMATS[fmt]
    for module in modules:
        pytest.importorskip(module, reason=f"{module} (the 'export' extra) is not installed")
    checkpoint, exported = tiny_checkpoint(tmp_path / "tiny.pt"), tmp_path / name
    audio = _real_audio(tmp_path)
    # export checks the file on random and real windows and fails above TOLERANCE
    assert main(["export", str(checkpoint), "--format", fmt, "--out", str(exported),
                 "--window-samples", str(TINY_WINDOW), "--check", *map(str, audio)]) == 0
    for model_path, out in ((checkpoint, tmp_path / "torch.jsonl"), (exported, tmp_path / "exported.jsonl")):
        assert main(["score", *map(str, audio), "--model", str(model_path), "--window-samples", str(TINY_WINDOW),
                     "--device", "cpu", "--out", str(out)]) == 0
    assert _scores(tmp_path / "exported.jsonl") == pytest.approx(_scores(tmp_path / "torch.jsonl"), abs=TOLERANCE)


def test_check_windows_are_random_and_real(tmp_path):
    windows = check_windows(TINY_WINDOW, [write_audio(tmp_path / "a.wav", 44100, 0.6)])
    assert windows.shape == (6, TINY_WINDOW)  # 3 random windows, then the first 3 of the file
