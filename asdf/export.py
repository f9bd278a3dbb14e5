"""Export a countermeasure to ONNX or TorchScript for deployment, checked against PyTorch.

Both files take float32 waveforms [batch, samples] at 16 kHz and return (hidden, logits), logit 1 =
bona fide, with a dynamic batch axis. The length is fixed at the window length: `torch.export` cannot
yet express AASIST's strided time pooling for a symbolic length, and `asdf score` always feeds windows
of exactly that length anyway. The model name, window length and rate are stored in the file (ONNX
metadata / a TorchScript extra file), so `asdf score --model FILE` needs nothing else.
"""

from __future__ import annotations

import json
import logging
import warnings
from pathlib import Path

import numpy as np
import torch

from asdf.audio import read_audio
from asdf.batches import BONAFIDE_CLASS
from asdf.errors import ConfigError
from asdf.inference.scorers import (DEFAULT_WINDOW_SAMPLES, EXPORT_METADATA_KEY, MODEL_SAMPLE_RATE, load_scorer,
                                    load_torch_model)
from asdf.inference.windows import Windower, hop_samples

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("onnx", "torchscript")
TOLERANCE = 1e-4  # largest accepted difference between the exported model's logits and PyTorch's
CHECK_BATCH = 3  # random windows in the check: not the traced batch of 2, so the dynamic batch is exercised


def _metadata(name: str, window_samples: int) -> str:
    return json.dumps({"model": name, "window_samples": window_samples, "sample_rate": MODEL_SAMPLE_RATE})


def export_onnx(model: torch.nn.Module, path: Path, name: str, window_samples: int) -> Path:
    """ONNX file with a dynamic batch axis and the asdf metadata."""
    try:
        import onnx
    except ImportError:
        raise ConfigError("ONNX export needs onnx, onnxscript and onnxruntime: pip install 'asdf[export]'") from None
    example = (torch.zeros(2, window_samples),)
    batch = torch.export.Dim("batch", min=1, max=4096)
    torch.onnx.export(model, example, str(path), input_names=["waveforms"], output_names=["hidden", "logits"],
                      dynamic_shapes=({0: batch},), dynamo=True, verbose=False)
    exported = onnx.load(str(path))
    exported.metadata_props.add(key=EXPORT_METADATA_KEY, value=_metadata(name, window_samples))
    onnx.save(exported, str(path))
    return path


def export_torchscript(model: torch.nn.Module, path: Path, name: str, window_samples: int) -> Path:
    """TorchScript file traced at the window length (any batch), with the asdf metadata as an extra file."""
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        # the tracer warns that shape-dependent Python values become constants: the length is fixed by design
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(model, torch.zeros(2, window_samples), check_trace=False)
    torch.jit.save(traced, str(path), _extra_files={EXPORT_METADATA_KEY: _metadata(name, window_samples)})
    return path


def check_windows(window_samples: int, audio_paths: list, seed: int = 0) -> np.ndarray:
    """Random windows plus the first windows of each audio file: the inputs an export is checked on."""
    rng = np.random.default_rng(seed)
    windows = [0.1 * rng.standard_normal((CHECK_BATCH, window_samples)).astype(np.float32)]
    for audio_path in audio_paths:
        windower = Windower(window_samples, hop_samples(window_samples, 0.5))
        signal = read_audio(audio_path, MODEL_SAMPLE_RATE)[None, :]
        found = windower.push(signal) + windower.finish()
        windows.append(np.stack([window[0] for _, window in found[:CHECK_BATCH]]))
    return np.concatenate(windows)


def largest_difference(exported: Path, model: torch.nn.Module, windows: np.ndarray) -> float:
    """Max |bona fide logit| difference between the exported file (run by asdf score's loader) and PyTorch."""
    with torch.inference_mode():
        reference = model(torch.from_numpy(windows))[1][:, BONAFIDE_CLASS].numpy()
    scorer = load_scorer(str(exported), window_samples=windows.shape[1])
    return float(np.abs(scorer.predict(windows) - reference).max())


def export_model(spec: str, path: Path, fmt: str, shared_data: Path | None = None,
                 window_samples: int | None = None, check_audio: list | None = None) -> float:
    """Export `spec` to `path` and return the largest logit difference from PyTorch; refuse above TOLERANCE."""
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    model, name = load_torch_model(spec, shared_data)
    window = window_samples or DEFAULT_WINDOW_SAMPLES
    path.parent.mkdir(parents=True, exist_ok=True)
    (export_onnx if fmt == "onnx" else export_torchscript)(model, path, name, window)
    difference = largest_difference(path, model, check_windows(window, check_audio or []))
    if difference > TOLERANCE:
        raise ConfigError(f"{path}: the export differs from PyTorch by {difference:.2e} (> {TOLERANCE})")
    logger.info("exported %s to %s (%s); largest logit difference from PyTorch %.2e", name, path, fmt, difference)
    return difference
