"""Training checkpoints on disk: atomic writes and copies, leftovers of killed writes, the state to resume."""

from __future__ import annotations

import shutil
from pathlib import Path

import torch

from asdf.base.fileio import atomic_path
from asdf.training import faults


def save_checkpoint(path: Path, content: dict) -> None:
    """Write a checkpoint atomically: a kill during the write leaves the previous file whole."""
    with atomic_path(path) as temporary:
        # through a Python file, so that a full disk is an OSError (ENOSPC), not a C++ stream error
        with open(temporary, "wb") as handle:
            faults.reached(f"write {path.name} {content.get('epoch')}")
            try:
                torch.save(content, handle)
            except RuntimeError as error:  # torch's zip writer fails again on closing; the OSError says why
                if isinstance(error.__context__, OSError):
                    raise error.__context__ from None
                raise
        faults.reached(f"save {path.name} {content.get('epoch')}")


def remove_unfinished_writes(folder: Path) -> None:
    """Delete temporary files that a killed run left beside its checkpoints (never renamed into place)."""
    for leftover in folder.glob(".*.tmp"):
        leftover.unlink(missing_ok=True)


def copy_checkpoint(source: Path, target: Path) -> None:
    """Copy a checkpoint file atomically (e.g. epoch_007.pt -> best.pt)."""
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def read_resume_state(path: Path) -> dict | None:
    """The full training state in `path` (last.pt), or None when there is nothing to resume."""
    if not path.is_file():
        return None
    return torch.load(path, map_location="cpu", weights_only=True)
