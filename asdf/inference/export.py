"""Export a countermeasure to ONNX or TorchScript for deployment, checked against PyTorch.

Both files take float32 waveforms [batch, samples] at 16 kHz and return (hidden, logits), logit 1 =
bona fide, with a dynamic batch axis. ONNX files also take any length from the model's minimum input
up; TorchScript files are traced at the window length, which `asdf score` feeds. The model name,
window length and rate are stored in the file (ONNX metadata / a TorchScript extra file), so
`asdf score --model FILE` needs nothing else.
"""

from __future__ import annotations

import contextlib
import json
import logging
import warnings
from pathlib import Path

import numpy as np
import torch

from asdf.base.errors import ConfigError, install_hint
from asdf.base.fileio import atomic_path
from asdf.data.audio import read_audio
from asdf.data.batches import BONAFIDE_CLASS
from asdf.inference.scorers import (
    DEFAULT_WINDOW_SAMPLES,
    EXPORT_METADATA_KEY,
    MODEL_SAMPLE_RATE,
    Scorer,
    load_scorer,
    load_torch_model,
)
from asdf.inference.windows import Windower, hop_samples
from asdf.models.aasist import GraphPool

logger = logging.getLogger(__name__)

EXPORT_FORMATS = ("onnx", "torchscript")
TOLERANCE = 1e-4  # largest accepted difference between the exported model's logits and PyTorch's
CHECK_BATCH = 3  # random windows in the check: not the traced batch of 2, so the dynamic batch is exercised
MAX_EXPORT_SAMPLES = 16000 * 3600 * 4  # four hours at 16 kHz: the largest length an ONNX file declares
# ONNX export traces this many samples whatever the window: AASIST then has 29 temporal nodes, a count that
# neither is 1 (which torch.export would specialise) nor equals another size in the graph
EXPORT_EXAMPLE_SAMPLES = 64600
ONNX_FLOAT, ONNX_DOUBLE, ONNX_INT64 = 1, 11, 7  # onnx.TensorProto element types
# the ONNX exporter's graph passes log a few hundred INFO lines per export
EXPORTER_LOGGERS = ("onnx_ir", "onnxscript")


@contextlib.contextmanager
def _quiet(names):
    """Raises these loggers to WARNING for the duration."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [each.level for each in loggers]
    for each in loggers:
        each.setLevel(logging.WARNING)
    try:
        yield
    finally:
        for each, level in zip(loggers, levels):
            each.setLevel(level)


def _metadata(name: str, window_samples: int, dynamic_length: bool) -> str:
    return json.dumps({"model": name, "window_samples": window_samples, "sample_rate": MODEL_SAMPLE_RATE,
                       "dynamic_length": dynamic_length})


def export_onnx(model: torch.nn.Module, path: Path, name: str, window_samples: int) -> bool:
    """ONNX file with dynamic batch and length axes and the asdf metadata; True if the length is dynamic.

    Where torch.export cannot keep the length symbolic (RawNet2's GRU is unrolled over its frames), the
    file takes windows of exactly `window_samples`, as `asdf score` feeds them, and a warning says so.
    """
    try:
        import onnx
    except ImportError:
        raise ConfigError(f"ONNX export needs onnx, onnxscript and onnxruntime: {install_hint('export')}") from None
    dynamic_length = True
    exported = _onnx_model(model, path, max(EXPORT_EXAMPLE_SAMPLES, model.min_samples), dynamic_length)
    if exported is None:
        logger.warning("%s: torch.export cannot make %s's input length dynamic; exporting for windows of %d "
                       "samples (any batch)", path, name, window_samples)
        dynamic_length = False
        exported = _onnx_model(model, path, window_samples, dynamic_length)
    _node_counts_in_float64(exported.graph, {module.ratio for module in model.modules() if isinstance(module, GraphPool)})
    exported.metadata_props.add(key=EXPORT_METADATA_KEY, value=_metadata(name, window_samples, dynamic_length))
    onnx.save(exported, str(path))
    return dynamic_length


def _onnx_model(model: torch.nn.Module, path: Path, samples: int, dynamic_length: bool):
    """The ONNX model exported from an example of `samples`, or None if the exporter fixed a dynamic axis."""
    import onnx

    dims = {0: torch.export.Dim("batch", min=1, max=4096)}
    if dynamic_length:
        dims[1] = torch.export.Dim("samples", min=model.min_samples, max=MAX_EXPORT_SAMPLES)
    with _quiet(EXPORTER_LOGGERS):
        torch.onnx.export(model, (torch.zeros(2, samples),), str(path), input_names=["waveforms"],
                          output_names=["hidden", "logits"], dynamic_shapes=(dims,), dynamo=True, verbose=False,
                          external_data=False)  # one file: AASIST's weights are far below protobuf's 2 GB
    exported = onnx.load(str(path))
    # where torch.export fails, the exporter falls back to tracing with fixed sizes
    found = [bool(dim.dim_param) for dim in exported.graph.input[0].type.tensor_type.shape.dim]
    return exported if found == [True, dynamic_length] else None


def _node_counts_in_float64(graph, ratios: set) -> None:
    """Makes the graph compute int(count * ratio) in float64, as PyTorch does for the graph pooling sizes.

    The exporter evaluates that symbolic arithmetic in float32, where it can differ: int(90 * 0.7) is 62
    in float64 but 63 in float32, and a different number of nodes kept changes the score. Each
    Cast(count -> float) -> Mul(ratio) -> Cast(-> int64) gets a float64 count and the exact ratio.
    """
    import onnx
    from onnx import numpy_helper

    producers = {output: node for node in graph.node for output in node.output}
    initializers = {initializer.name: initializer for initializer in graph.initializer}
    exact_ratios = {float(np.float32(ratio)): ratio for ratio in ratios}
    for node in list(graph.node):
        multiply = producers.get(node.input[0]) if node.op_type == "Cast" and _cast_type(node) == ONNX_INT64 else None
        if multiply is None or multiply.op_type != "Mul":
            continue
        count = next((producers[name] for name in multiply.input if name in producers), None)
        factor = next((initializers[name] for name in multiply.input if name in initializers), None)
        if count is None or factor is None or count.op_type != "Cast" or _cast_type(count) != ONNX_FLOAT:
            continue
        ratio = exact_ratios.get(float(numpy_helper.to_array(factor)))
        if ratio is None:
            continue
        name = multiply.output[0]
        graph.initializer.append(numpy_helper.from_array(np.array(ratio, dtype=np.float64), f"{name}_ratio_float64"))
        count64 = onnx.helper.make_node("Cast", [count.input[0]], [f"{name}_count_float64"], to=ONNX_DOUBLE)
        graph.node.insert(list(graph.node).index(multiply), count64)
        multiply.input[:] = [count64.output[0], f"{name}_ratio_float64"]
        for info in graph.value_info:
            if info.name == name:
                info.type.tensor_type.elem_type = ONNX_DOUBLE
        _remove_if_unused(graph, count, factor)


def _remove_if_unused(graph, node, initializer) -> None:
    """Drops a node and an initializer that nothing reads any more (onnxruntime warns about them on every load)."""
    read = {name for other in graph.node for name in other.input}
    if not set(node.output) & read:
        graph.node.remove(node)
    if initializer.name not in read:
        graph.initializer.remove(initializer)


def _cast_type(node) -> int:
    return next(attribute.i for attribute in node.attribute if attribute.name == "to")


def export_torchscript(model: torch.nn.Module, path: Path, name: str, window_samples: int) -> bool:
    """TorchScript file traced at the window length (any batch), with the asdf metadata as an extra file; False."""
    with torch.inference_mode(False), torch.no_grad(), warnings.catch_warnings():
        # the tracer warns that shape-dependent Python values become constants: the length is fixed by design
        warnings.simplefilter("ignore", torch.jit.TracerWarning)
        traced = torch.jit.trace(model, torch.zeros(2, window_samples), check_trace=False)
    with open(path, "wb") as handle:  # a Python file: a full disk is an OSError, not an abort in C++
        torch.jit.save(traced, handle, _extra_files={EXPORT_METADATA_KEY: _metadata(name, window_samples, False)})
    return False


def random_inputs(samples: int, rng: np.random.Generator) -> np.ndarray:
    """CHECK_BATCH random float32 inputs of `samples` samples."""
    return 0.1 * rng.standard_normal((CHECK_BATCH, samples)).astype(np.float32)


def check_windows(window_samples: int, audio_paths: list, seed: int = 0) -> np.ndarray:
    """Random windows plus the first windows of each audio file: the inputs an export is checked on."""
    rng = np.random.default_rng(seed)
    windows = [random_inputs(window_samples, rng)]
    for audio_path in audio_paths:
        windower = Windower(window_samples, hop_samples(window_samples, 0.5))
        signal = read_audio(audio_path, MODEL_SAMPLE_RATE)[None, :]
        found = windower.push(signal) + windower.finish()
        windows.append(np.stack([window[0] for _, window in found[:CHECK_BATCH]]))
    return np.concatenate(windows)


def check_lengths(model: torch.nn.Module, window_samples: int) -> list:
    """Lengths besides the window that an ONNX export is checked at: the shortest, an odd one, a long one."""
    return [model.min_samples, window_samples + 1, 4 * window_samples + 1001]


def largest_difference(exported: Scorer, model: torch.nn.Module, inputs: np.ndarray) -> float:
    """Max |bona fide logit| difference between the exported file (as asdf score loads it) and PyTorch."""
    with torch.inference_mode():
        reference = model(torch.from_numpy(inputs))[1][:, BONAFIDE_CLASS].numpy()
    return float(np.abs(exported.predict(inputs) - reference).max())


def export_model(spec: str, path: Path, fmt: str, shared_data: Path | None = None,
                 window_samples: int | None = None, check_audio: list | None = None) -> float:
    """Export `spec` to `path` and return the largest logit difference from PyTorch; refuse above TOLERANCE."""
    if fmt not in EXPORT_FORMATS:
        raise ConfigError(f"unknown export format {fmt!r}; choose from {', '.join(EXPORT_FORMATS)}")
    model, name = load_torch_model(spec, shared_data)
    window = window_samples or DEFAULT_WINDOW_SAMPLES
    with atomic_path(path) as temporary:  # a full disk is one line naming `path`, and no half-written file
        dynamic_length = (export_onnx if fmt == "onnx" else export_torchscript)(model, temporary, name, window)
    checks = [check_windows(window, check_audio or [])]
    if dynamic_length:
        rng = np.random.default_rng(1)
        checks += [random_inputs(samples, rng) for samples in check_lengths(model, window)]
    scorer = load_scorer(str(path), window_samples=window)
    difference = max(largest_difference(scorer, model, inputs) for inputs in checks)
    if difference > TOLERANCE:
        raise ConfigError(f"{path}: the export differs from PyTorch by {difference:.2e} (> {TOLERANCE})")
    logger.info("exported %s to %s (%s); largest logit difference from PyTorch %.2e", name, path, fmt, difference)
    return difference
