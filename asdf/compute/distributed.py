"""Several processes under `torchrun`: ranks and devices, the process group, and results gathered in order.

Without torchrun everything here is a no-op for a single process (rank 0 of 1).
"""

from __future__ import annotations

import atexit
import logging
import os
from dataclasses import dataclass
from datetime import timedelta

import numpy as np
import torch
import torch.distributed as dist

from asdf.base.errors import DataError
from asdf.base.progress import Progress
from asdf.base.settings import ComputingSettings
from asdf.compute.devices import select_device

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Ranks:
    """This process' place among those torchrun started."""

    rank: int = 0
    world_size: int = 1
    local_rank: int = 0  # rank on this machine: picks computing.gpu_ids[local_rank]

    @property
    def is_main(self) -> bool:
        """Only rank 0 writes files and logs progress."""
        return self.rank == 0

    @property
    def distributed(self) -> bool:
        """Whether other processes take part."""
        return self.world_size > 1


def ranks_from_environment() -> Ranks:
    """The ranks torchrun put in the environment (RANK, WORLD_SIZE, LOCAL_RANK); one process without it."""
    environment = os.environ
    return Ranks(int(environment.get("RANK", 0)), int(environment.get("WORLD_SIZE", 1)),
                 int(environment.get("LOCAL_RANK", 0)))


def start(computing: ComputingSettings) -> Ranks:
    """Join torchrun's process group once (nccl on GPUs, gloo on the CPU); quiet the logs of ranks > 0."""
    ranks = ranks_from_environment()
    if ranks.distributed and not dist.is_initialized():
        device = select_device(computing, ranks.local_rank)
        if device.type == "cuda":
            torch.cuda.set_device(device)
        # ranks > 0 wait at barriers while rank 0 alone runs sad-off, which takes long on big corpora
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo", timeout=timedelta(hours=6))
        atexit.register(_leave_group)  # after an error too; finish() is the clean way out
        logger.info("distributed: %d processes, backend %s", ranks.world_size, dist.get_backend())
    if not ranks.is_main:
        logging.getLogger("asdf").setLevel(logging.WARNING)  # progress and results come from rank 0 only
    return ranks


def _leave_group() -> None:
    """Destroy the process group if it still exists, so that gloo's threads stop before the interpreter does."""
    if dist.is_initialized():
        dist.destroy_process_group()


def finish(ranks: Ranks) -> None:
    """Leave the process group once every rank has got here."""
    if ranks.distributed and dist.is_initialized():
        dist.barrier()  # no rank closes its connections while another still uses them (gloo could abort at exit)
        _leave_group()


def device_of(computing: ComputingSettings, ranks: Ranks) -> torch.device:
    """This rank's device: computing.gpu_ids[local_rank] when GPUs are used, else the CPU."""
    return select_device(computing, ranks.local_rank)


def barrier(ranks: Ranks) -> None:
    """Wait until every rank gets here (e.g. until rank 0 has written a file the others read)."""
    if ranks.distributed:
        dist.barrier()


def gather_in_order(ranks: Ranks, indices: np.ndarray, values: np.ndarray, expected: np.ndarray) -> np.ndarray:
    """All ranks' `values`, ordered by their `indices`, on every rank; the indices must be exactly `expected`."""
    parts = [(indices, values)]
    if ranks.distributed:
        parts = [None] * ranks.world_size
        dist.all_gather_object(parts, (indices, values))
    all_indices = np.concatenate([np.asarray(part[0], dtype=np.int64) for part in parts])
    all_values = np.concatenate([np.asarray(part[1], dtype=np.float32) for part in parts])  # logits are float32
    order = np.argsort(all_indices, kind="stable")
    if not np.array_equal(all_indices[order], np.sort(np.asarray(expected, dtype=np.int64))):
        raise DataError(f"gathered results for {len(all_indices)} utterances, expected {len(expected)}: "
                        "the ranks' shards overlap or miss some")
    return all_values[order]


class _SilentProgress:
    """Progress of a rank other than 0: nothing is reported."""

    def update(self, *arguments, **values) -> None:
        """Do nothing."""


def progress_for(ranks: Ranks, label: str, total: int, unit: str, interval_s: float, **state):
    """A Progress on rank 0 (`state`: its state_file and fields saved with it); a silent stand-in elsewhere."""
    if not ranks.is_main:
        return _SilentProgress()
    return Progress(label, total, unit=unit, interval_s=interval_s, **state)


def sum_over_ranks(ranks: Ranks, values: list[float]) -> list[float]:
    """Element-wise sums of `values` over all ranks (the values themselves for one process)."""
    if not ranks.distributed:
        return list(values)
    tensor = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(tensor)
    return tensor.tolist()


def rank0_decides(ranks: Ranks, decision: bool) -> bool:
    """Rank 0's `decision`, on every rank, so that all ranks take the same branch."""
    if not ranks.distributed:
        return decision
    shared = [decision]
    dist.broadcast_object_list(shared, src=0)
    return bool(shared[0])
