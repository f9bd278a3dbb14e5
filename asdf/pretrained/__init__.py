"""Models shipped inside asdf, two files each: `<name>.pt` (model settings and state dict, as our
checkpoints hold them) and `<name>.json` (what `utils/package_model.py` measured on the dev set: calibration,
operating point as a bona fide prior, the range of raw scores the calibration saw), with the model card
MODEL_CARD.md beside them; `asdf score` and `asdf app` use DEFAULT_MODEL unless told otherwise. May import:
`asdf.base`, `asdf.metrics`."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path

from asdf.base.errors import ConfigError
from asdf.metrics.calibration import LinearCalibration

SHIPPED_FOLDER = Path(__file__).resolve().parent
DEFAULT_MODEL = "asdf-open"
MODEL_CARD = SHIPPED_FOLDER / "MODEL_CARD.md"
VERDICT_FORMAT = "asdf-shipped-verdict-1"


@dataclass(frozen=True)
class Verdict:
    """How a shipped model's window logits become a calibrated verdict."""

    calibration: LinearCalibration  # raw logit -> log-likelihood ratio, bona fide vs spoof
    source: str  # where the calibration comes from, in words
    operating_point: str  # the name of the default decision rule
    prior: float  # the bona fide prior of that rule: decided bona fide when the posterior is above 1/2
    raw_range: tuple[float, float]  # file scores (raw, before calibration) the calibration set spanned

    def to_json(self) -> dict:
        """The JSON object `load_verdict` reads."""
        return {"format": VERDICT_FORMAT, "scale": self.calibration.scale, "offset": self.calibration.offset,
                "fit_prior": self.calibration.prior, "n_bonafide": self.calibration.n_bonafide,
                "n_spoof": self.calibration.n_spoof, "source": self.source, "operating_point": self.operating_point,
                "prior": self.prior, "raw_range": list(self.raw_range)}


def load_verdict(path: Path) -> Verdict:
    """The verdict file of a shipped model, or a ConfigError naming what is wrong with it."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") != VERDICT_FORMAT:
            raise ValueError(f"expected format {VERDICT_FORMAT!r}")
        calibration = LinearCalibration(scale=float(data["scale"]), offset=float(data["offset"]),
                                        prior=float(data["fit_prior"]), n_bonafide=int(data["n_bonafide"]),
                                        n_spoof=int(data["n_spoof"]))
        low, high = (float(value) for value in data["raw_range"])
        verdict = Verdict(calibration, str(data["source"]), str(data["operating_point"]), float(data["prior"]),
                          (low, high))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"{path}: not a verdict file of a shipped asdf model ({error})") from None
    if not (0 < verdict.prior < 1 and math.isfinite(calibration.scale) and calibration.scale > 0 and low < high):
        raise ConfigError(f"{path}: the prior must lie in (0, 1), the scale be positive and the range non-empty")
    return verdict


def shipped_names() -> tuple[str, ...]:
    """The names of the models shipped in this installation."""
    return tuple(sorted(path.stem for path in SHIPPED_FOLDER.glob("*.pt") if path.with_suffix(".json").is_file()))


def shipped_model(name: str) -> tuple[Path, Verdict]:
    """(weights file, verdict) of the shipped model `name`."""
    weights = SHIPPED_FOLDER / f"{name}.pt"
    if not weights.is_file():
        raise ConfigError(f"no shipped model named {name!r} (shipped: {', '.join(shipped_names()) or 'none'})")
    return weights, load_verdict(weights.with_suffix(".json"))
