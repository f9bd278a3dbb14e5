"""Seeding and the random generators' state, so a run can be repeated and resumed exactly."""

from __future__ import annotations

import os
import random

import numpy as np
import torch


def seed_everything(seed: int, deterministic: bool) -> None:
    """Seed Python, NumPy and torch; with `deterministic`, also ask torch for deterministic kernels."""
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    if deterministic:
        os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")  # cuBLAS needs it to be deterministic
        torch.use_deterministic_algorithms(True, warn_only=True)
        torch.backends.cudnn.benchmark = False
        torch.backends.cudnn.deterministic = True


def seed_epoch(seed: int, epoch: int, rank: int) -> None:
    """Seed the global generators (dropout) from (seed, epoch, rank): an epoch starts the same after a resume."""
    epoch_seed = int(np.random.SeedSequence((seed, epoch, rank)).generate_state(1)[0])
    random.seed(epoch_seed)
    np.random.seed(epoch_seed)
    torch.manual_seed(epoch_seed)


def rng_state() -> dict:
    """The random generators' states as tensors and numbers, so `weights_only` loading can read them."""
    _, numpy_keys, numpy_position, has_gauss, cached_gauss = np.random.get_state()
    return {
        "python": random.getstate(),
        "numpy": [torch.from_numpy(numpy_keys.astype(np.int64)), numpy_position, has_gauss, cached_gauss],
        "torch": torch.get_rng_state(),
    }


def restore_rng_state(state: dict) -> None:
    """Put back the generators' states saved by `rng_state`."""
    version, internal, gauss = state["python"]
    random.setstate((version, tuple(internal), gauss))
    numpy_keys, numpy_position, has_gauss, cached_gauss = state["numpy"]
    np.random.set_state(("MT19937", numpy_keys.numpy().astype(np.uint32), numpy_position, has_gauss, cached_gauss))
    torch.set_rng_state(state["torch"])
