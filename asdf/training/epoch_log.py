"""Per-epoch records: logs/metrics.jsonl (rewritten whole, atomically) and the training-curve PNG."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from asdf.base.fileio import atomic_write_text


@dataclass
class EpochRecord:
    """What one epoch produced; one line of metrics.jsonl."""

    epoch: int
    train_loss: float
    learning_rate: float
    dev_eer: float
    seconds: float
    peak_memory_mib: float  # so far in the run: the GPU's allocated peak, or the process' peak resident memory


def write_metrics(path: Path, history: list[dict]) -> None:
    """metrics.jsonl from the records of the checkpoint: a kill never leaves a half line or a stale epoch."""
    atomic_write_text(path, "".join(json.dumps(record) + "\n" for record in history))


def plot_curves(path: Path, history: list[dict]) -> None:
    """Loss, dev EER and learning rate by epoch, one panel each, as a PNG written atomically."""
    from matplotlib.ticker import MaxNLocator

    from asdf.base.figures import plt, save_figure  # here: `run.py --help` and `status` need no matplotlib

    epochs = [record["epoch"] for record in history]
    panels = (("train_loss", "training loss", 1), ("dev_eer", "dev EER (%)", 100), ("learning_rate", "learning rate", 1))
    figure, axes = plt.subplots(1, 3, figsize=(12, 3.4))
    for axis, (key, title, scale) in zip(axes, panels):
        axis.plot(epochs, [scale * record[key] for record in history], marker="o")
        axis.set_title(title)
        axis.set_xlabel("epoch")
        axis.xaxis.set_major_locator(MaxNLocator(integer=True))
        axis.grid(alpha=0.3)
    save_figure(figure, path, dpi=100)
