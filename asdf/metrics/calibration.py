"""Prior-weighted logistic-regression calibration: raw scores -> log-likelihood ratios (bona fide vs spoof).

The objective is the Cllr-style cross-entropy weighted at an effective prior (as in BOSARIS and the
ASVspoof 5 calibration), by default the one implied by the ASVspoof 5 DCF (Pspoof 0.05, Cmiss 1, Cfa 10).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
from scipy.optimize import minimize
from scipy.special import expit

from asdf.base.fileio import atomic_write_json
from asdf.metrics.dcf import DCF_COST_FALSE_ALARM, DCF_COST_MISS, DCF_SPOOF_PRIOR
from asdf.metrics.validation import score_array

ASVSPOOF5_EFFECTIVE_PRIOR = (DCF_COST_MISS * (1 - DCF_SPOOF_PRIOR)) / (
    DCF_COST_MISS * (1 - DCF_SPOOF_PRIOR) + DCF_COST_FALSE_ALARM * DCF_SPOOF_PRIOR
)


@dataclass(frozen=True)
class LinearCalibration:
    """llr = scale * score + offset, fitted at `prior` (the effective bona fide prior)."""

    scale: float
    offset: float
    prior: float = ASVSPOOF5_EFFECTIVE_PRIOR
    n_bonafide: int = 0
    n_spoof: int = 0

    def apply(self, scores) -> np.ndarray:
        """Map raw scores to calibrated LLRs."""
        return self.scale * np.asarray(scores, dtype=np.float64) + self.offset

    def save(self, path: str | os.PathLike) -> None:
        """Write the calibration as JSON (atomically)."""
        atomic_write_json(path, {"type": "linear_logistic_regression", **asdict(self)})

    @classmethod
    def load(cls, path: str | os.PathLike) -> "LinearCalibration":
        """Read a calibration written by `save`."""
        data = json.loads(Path(path).read_text(encoding="utf-8"))
        if data.pop("type", None) != "linear_logistic_regression":
            raise ValueError(f"{path}: not a linear calibration file written by asdf")
        return cls(**data)


def _weighted_cross_entropy(params: np.ndarray, bonafide, spoof, prior: float) -> tuple[float, np.ndarray]:
    """Prior-weighted cross-entropy (nats) of (scale, offset) and its gradient."""
    scale, offset = params
    prior_log_odds = np.log(prior / (1 - prior))
    bonafide_logits = scale * bonafide + offset + prior_log_odds
    spoof_logits = scale * spoof + offset + prior_log_odds
    loss = prior * np.mean(np.logaddexp(0, -bonafide_logits)) + (1 - prior) * np.mean(np.logaddexp(0, spoof_logits))
    bonafide_residual = -prior * expit(-bonafide_logits) / bonafide.size
    spoof_residual = (1 - prior) * expit(spoof_logits) / spoof.size
    gradient = np.array([
        bonafide_residual @ bonafide + spoof_residual @ spoof,
        bonafide_residual.sum() + spoof_residual.sum(),
    ])
    return float(loss), gradient


def fit_calibration(bonafide_scores, spoof_scores, prior: float = ASVSPOOF5_EFFECTIVE_PRIOR) -> LinearCalibration:
    """Fit llr = a * score + b on dev scores by prior-weighted logistic regression."""
    if not 0 < prior < 1:
        raise ValueError(f"the calibration prior must be strictly between 0 and 1, got {prior}")
    bonafide = score_array(bonafide_scores, "bona fide")
    spoof = score_array(spoof_scores, "spoof")
    # Standardise for the optimiser, then map the solution back to raw-score units.
    centre = np.mean(np.concatenate((bonafide, spoof)))
    spread = np.std(np.concatenate((bonafide, spoof))) or 1.0
    result = minimize(
        _weighted_cross_entropy, x0=np.array([1.0, 0.0]), jac=True, method="L-BFGS-B",
        args=((bonafide - centre) / spread, (spoof - centre) / spread, prior),
    )
    scale, offset = result.x
    return LinearCalibration(
        scale=float(scale / spread), offset=float(offset - scale * centre / spread),
        prior=prior, n_bonafide=int(bonafide.size), n_spoof=int(spoof.size),
    )
