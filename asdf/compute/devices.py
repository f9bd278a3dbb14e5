"""Device choice and numeric precision for training and scoring."""

from __future__ import annotations

import contextlib
import logging
import resource

import torch

from asdf.base.settings import ComputingSettings
from asdf.compute.allocator import keep_freed_memory

logger = logging.getLogger(__name__)

_AUTOCAST_TYPES = {"bf16": torch.bfloat16, "fp16": torch.float16}


def select_device(computing: ComputingSettings, rank: int = 0) -> torch.device:
    """CUDA device `gpu_ids[rank]` when allowed and present, else the CPU; applies the process-wide CPU settings."""
    if computing.keep_freed_memory:
        keep_freed_memory()
    if computing.torch_threads > 0:
        torch.set_num_threads(computing.torch_threads)
    if computing.use_gpu and torch.cuda.is_available():
        return torch.device("cuda", computing.gpu_ids[rank % len(computing.gpu_ids)])
    if computing.use_gpu:
        logger.info("no CUDA device available: running on the CPU")
    return torch.device("cpu")


def autocast(device: torch.device, precision: str) -> contextlib.AbstractContextManager:
    """Autocast context for `precision` ('fp32' means none)."""
    if precision == "fp32":
        return contextlib.nullcontext()
    return torch.autocast(device_type=device.type, dtype=_AUTOCAST_TYPES[precision])


def compiled(model: torch.nn.Module, computing: ComputingSettings) -> torch.nn.Module:
    """torch.compile(model) when `computing.compile` is set, else the model itself.

    The compiled module shares the model's parameters; checkpoints are written from the model, so their
    names stay the published ones (no `_orig_mod.` prefix).
    """
    if not computing.compile:
        return model
    logger.info("compiling %s with torch.compile (the first steps of each input shape take longer)",
                type(model).__name__)
    return torch.compile(model)


def peak_memory_mib(device: torch.device) -> float:
    """Peak memory so far in MiB: what PyTorch allocated on a CUDA device, else the process' peak resident size."""
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux reports KiB
