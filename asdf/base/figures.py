"""Matplotlib without a display (Agg backend, for servers) and PNG figures written atomically.

The one place that configures matplotlib: report plots, training curves and the pictures of `asdf score`
all draw through `plt` from here, so the backend is chosen before pyplot is first imported.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen before pyplot is imported)

from asdf.base.fileio import atomic_path  # noqa: E402

__all__ = ["plt", "save_figure"]


def save_figure(figure, path: Path, dpi: int = 120) -> Path:
    """Save a figure as PNG atomically and close it."""
    figure.tight_layout()
    with atomic_path(path) as temporary:
        figure.savefig(temporary, format="png", dpi=dpi)
    plt.close(figure)
    return path
