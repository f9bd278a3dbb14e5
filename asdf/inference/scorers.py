"""Models that score windows: by name (the shipped models, official AASIST weights), our checkpoints, official
state dicts, and exported ONNX or TorchScript files. Every one gives the bona fide logit of each window; a
shipped model also brings its verdict (calibration, operating point, calibrated range)."""

from __future__ import annotations

import dataclasses
import json
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np
import torch

from asdf.base.errors import AsdfError, ConfigError, install_hint
from asdf.base.settings import DataSettings, ModelSettings, PathSettings
from asdf.compute.devices import autocast
from asdf.data.batches import BONAFIDE_CLASS
from asdf.models import MODEL_NAMES, build_model
from asdf.models.model_files import CheckpointError, load_model_weights, load_trained_model, read_checkpoint
from asdf.pretrained import Verdict, shipped_model, shipped_names

MODEL_SAMPLE_RATE = 16000
DEFAULT_WINDOW_SAMPLES = DataSettings().eval_samples
OFFICIAL_MODELS = {"aasist-official": ("aasist", "AASIST.pth"), "aasist-l-official": ("aasist-l", "AASIST-L.pth")}
EXPORT_METADATA_KEY = "asdf"  # ONNX metadata key / TorchScript extra file holding name, window and rate
TORCHSCRIPT_EXTENSIONS = (".ts", ".torchscript", ".jit")
PROJECT_ROOT = Path(__file__).resolve().parents[2]


# windows per forward pass when not given: on the CPU one AASIST window needs about 250 MB of activations
# and batching gains little on few cores, so 1 keeps `asdf score` under 1 GB; a GPU wants larger batches
DEFAULT_BATCH_SIZES = {"cpu": 1, "cuda": 16}
EXPORTED_FILES = "a file written by `asdf export`"
# --precision: auto is bf16 on a CPU that multiplies bf16 natively (about 1.6x faster there), else float32
PRECISIONS = ("auto", "fp32", "bf16")


class ModelError(AsdfError):
    """The model could not score the windows it was given (wrong input length, out of memory, ...)."""


@dataclass
class Scorer:
    """A model ready to score: `predict` maps float32 windows [batch, window_samples] to bona fide logits."""

    name: str
    window_samples: int
    predict: Callable[[np.ndarray], np.ndarray]
    sample_rate: int = MODEL_SAMPLE_RATE
    device: str = "cpu"
    verdict: Verdict | None = None  # a shipped model's calibration and operating point
    precision: str = "fp32"  # of the forward pass: fp32, or bf16 (autocast)
    float32: Scorer | None = None  # the same model in float32, for files decided too close to call in bf16

    @property
    def default_batch_size(self) -> int:
        """Windows per forward pass that suit the device."""
        return DEFAULT_BATCH_SIZES.get(self.device, 1)


def default_shared_data() -> Path:
    """$ASDF_SHARED_DATA, else `paths.shared_data`'s default resolved against the project root."""
    return Path(os.environ.get("ASDF_SHARED_DATA", PROJECT_ROOT / PathSettings().shared_data)).resolve()


def resolve_device(name: str) -> torch.device:
    """'auto' (CUDA when present), 'cpu', 'cuda' or 'cuda:N'."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        device = torch.device(name)
    except RuntimeError:
        raise ConfigError(f"unknown device {name!r}; use auto, cpu, cuda or cuda:N") from None
    if device.type == "cuda" and not torch.cuda.is_available():
        raise ConfigError(f"device {name!r} requested but no CUDA device is available")
    if device.type == "cuda" and (device.index or 0) >= torch.cuda.device_count():
        raise ConfigError(f"device {name!r} requested but there are only {torch.cuda.device_count()} CUDA devices")
    return device


def model_names() -> tuple[str, ...]:
    """The names --model accepts besides files: the shipped models, then the official ones."""
    return shipped_names() + tuple(OFFICIAL_MODELS)


def load_torch_model(spec: str, shared_data: Path | None = None) -> tuple[torch.nn.Module, str]:
    """(model in eval mode on the CPU, display name) for a name such as asdf-open or a checkpoint path."""
    if spec in shipped_names():
        return load_trained_model(shipped_model(spec)[0], torch.device("cpu")), spec
    if spec in OFFICIAL_MODELS:
        architecture, filename = OFFICIAL_MODELS[spec]
        path = (shared_data or default_shared_data()) / "pretrained" / "aasist" / filename
        if not path.is_file():
            raise ConfigError(f"the official weights of {spec} are not at {path}: pass --shared-data DIR (the folder "
                              "that holds pretrained/aasist) or set ASDF_SHARED_DATA")
        model = build_model(ModelSettings(name=architecture))
        load_model_weights(model, path)
        return model.eval(), spec
    path = model_file(spec)
    if "model_settings" in read_checkpoint(path):
        return load_trained_model(path, torch.device("cpu")), path.name
    return _official_state_dict_model(path), path.name


def model_file(spec: str) -> Path:
    """The path a --model value names, refusing a missing file (perhaps a misspelt model name) or a folder."""
    path = Path(spec)
    if path.is_dir():
        raise ConfigError(f"{spec} is a folder; expected a model file: a checkpoint (.pt/.pth) or {EXPORTED_FILES} "
                          "(.onnx/.ts)")
    if not path.exists():
        raise ConfigError(f"{spec}: no such model file, and not one of the model names {', '.join(model_names())}")
    return path


def _official_state_dict_model(path: Path) -> torch.nn.Module:
    """A bare state dict: the first registered architecture whose parameters it fits."""
    for name in MODEL_NAMES:
        model = build_model(ModelSettings(name=name))
        try:
            load_model_weights(model, path)
        except CheckpointError:
            continue
        return model.eval()
    raise CheckpointError(f"{path} fits none of the architectures {', '.join(MODEL_NAMES)}")


def native_bf16_cpu() -> bool:
    """Whether this CPU multiplies bf16 natively (AVX-512 BF16 or AMX), where bf16 beats float32."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")  # private, so absent ones count as no
    return any(getattr(torch.cpu, check, lambda: False)() for check in checks)


def resolve_precision(precision: str, device: torch.device) -> str:
    """fp32 or bf16 for a --precision value: auto is bf16 on a CPU with native bf16, else fp32."""
    if precision not in PRECISIONS:
        raise ConfigError(f"unknown precision {precision!r}; choose from {', '.join(PRECISIONS)}")
    if precision == "auto":
        return "bf16" if device.type == "cpu" and native_bf16_cpu() else "fp32"
    return precision


def torch_predictor(model: Callable, device: torch.device,
                    precision: str = "fp32") -> Callable[[np.ndarray], np.ndarray]:
    """Windows -> bona fide logits with a PyTorch (or TorchScript) model that returns (hidden, logits)."""

    def predict(windows: np.ndarray) -> np.ndarray:
        with torch.inference_mode(), autocast(device, precision):
            _, logits = model(torch.from_numpy(windows).to(device))
        return logits[:, BONAFIDE_CLASS].float().cpu().numpy()

    return predict


def load_scorer(spec: str, device: str = "cpu", shared_data: Path | None = None,
                window_samples: int | None = None, precision: str = "auto") -> Scorer:
    """The scorer a --model value names: official name, checkpoint, .onnx or TorchScript file.

    In bf16 it keeps a float32 twin: the pipeline rescores with it any file whose bf16 score lies near a
    decision boundary, so bf16 changes scores slightly (0.6 at most measured) and decisions not at all."""
    path = Path(spec)
    exported = path.suffix == ".onnx" or path.suffix in TORCHSCRIPT_EXTENSIONS or _is_torchscript_archive(path)
    if exported and precision == "bf16":
        raise ConfigError(f"--precision bf16 applies to PyTorch models; the exported model {spec} scores in float32 "
                          "(use --precision auto or fp32)")
    if path.suffix == ".onnx":
        return _onnx_scorer(path, window_samples)
    if exported:
        return _torchscript_scorer(path, resolve_device(device), window_samples)
    model, name = load_torch_model(spec, shared_data)
    torch_device = resolve_device(device)
    model = model.to(torch_device)
    verdict = shipped_model(spec)[1] if spec in shipped_names() else None
    scorer = Scorer(name, window_samples or DEFAULT_WINDOW_SAMPLES, torch_predictor(model, torch_device),
                    device=torch_device.type, verdict=verdict)
    precision = resolve_precision(precision, torch_device)
    if precision == "fp32":
        return scorer
    return dataclasses.replace(scorer, predict=torch_predictor(model, torch_device, precision), precision=precision,
                               float32=scorer)


def verdict_options(scorer: Scorer) -> dict:
    """The ScoreOptions fields a scorer's verdict sets (none for a model without one)."""
    verdict = scorer.verdict
    if verdict is None:
        return {}
    return {"calibration": verdict.calibration, "calibration_source": verdict.source,
            "operating_point": verdict.operating_point, "default_prior": verdict.prior,
            "calibrated_range": verdict.raw_range}


def _is_torchscript_archive(path: Path) -> bool:
    """TorchScript archives hold compiled code under code/, which torch.save checkpoints do not."""
    if not zipfile.is_zipfile(path):
        return False
    with zipfile.ZipFile(path) as archive:
        return any("/code/" in name for name in archive.namelist())


def _export_metadata(path: Path, text: str) -> dict:
    """The name, window and rate `asdf export` stored in the file ({} for a file exported elsewhere)."""
    try:
        metadata = json.loads(text or "{}")
    except ValueError:
        metadata = None
    if not isinstance(metadata, dict):
        raise CheckpointError(f"{path}: its {EXPORT_METADATA_KEY!r} metadata is not the JSON object that "
                              f"{EXPORTED_FILES} holds")
    return metadata


def _torchscript_scorer(path: Path, device: torch.device, window_samples: int | None) -> Scorer:
    model_file(str(path))
    extra_files = {EXPORT_METADATA_KEY: ""}
    try:
        module = torch.jit.load(str(path), map_location=device, _extra_files=extra_files)
    except Exception:  # noqa: BLE001 - torch reports a bad archive in several ways, each a long internal message
        raise CheckpointError(f"{path} is not a TorchScript file (expected {EXPORTED_FILES} --format torchscript, "
                              "or by torch.jit.save), or it is damaged or cut short") from None
    metadata = _export_metadata(path, extra_files[EXPORT_METADATA_KEY])
    window = window_samples or metadata.get("window_samples", DEFAULT_WINDOW_SAMPLES)
    return Scorer(metadata.get("model", path.name), window, torch_predictor(module.eval(), device), device=device.type)


def _onnx_scorer(path: Path, window_samples: int | None) -> Scorer:
    model_file(str(path))
    try:
        import onnxruntime
    except ImportError:
        raise ConfigError(f"{path}: scoring ONNX models needs onnxruntime: {install_hint('export')}") from None
    try:
        session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    except Exception as error:  # noqa: BLE001 - onnxruntime has an exception class per failure
        raise CheckpointError(f"{path} is not an ONNX model that onnxruntime can run (expected {EXPORTED_FILES} "
                              f"--format onnx): {' '.join(str(error).split())}") from None
    metadata = _export_metadata(path, session.get_modelmeta().custom_metadata_map.get(EXPORT_METADATA_KEY))
    input_name = session.get_inputs()[0].name
    outputs = [output.name for output in session.get_outputs()]
    if "logits" not in outputs:
        raise CheckpointError(f"{path}: the ONNX model has no output named 'logits' (it has {', '.join(outputs)}); "
                              f"expected {EXPORTED_FILES}")
    logits_index = outputs.index("logits")

    def predict(windows: np.ndarray) -> np.ndarray:
        return session.run(None, {input_name: windows})[logits_index][:, BONAFIDE_CLASS]

    window = window_samples or metadata.get("window_samples", DEFAULT_WINDOW_SAMPLES)
    return Scorer(metadata.get("model", path.name), window, predict)
