"""Input checks shared by every metric: finite scores, non-empty classes."""

from __future__ import annotations

import numpy as np


def score_array(scores, name: str) -> np.ndarray:
    """Return `scores` as a 1-D float64 array; refuse empty, NaN or infinite input naming the class."""
    try:
        array = np.asarray(scores, dtype=np.float64).ravel()
    except (TypeError, ValueError) as error:
        raise ValueError(f"{name} scores are not numbers: {error}") from None
    if array.size == 0:
        raise ValueError(f"no {name} scores: the metric needs at least one trial of each class")
    finite = np.isfinite(array)
    if not finite.all():
        bad_positions = np.flatnonzero(~finite)
        raise ValueError(
            f"{name} scores contain {bad_positions.size} NaN or infinite value(s), "
            f"first at position {bad_positions[0]} ({array[bad_positions[0]]})"
        )
    return array

