"""What `asdf score` reports per file: the aggregated score, the decision at a stated threshold, the
per-window scores and times, or the error that stopped the file.

Scores follow the project convention: higher = more bona fide. Without a calibration the score is the
model's bona fide logit and the default threshold is 0 (the official AASIST decision); with a
calibration it is a log-likelihood ratio and the default threshold is the Bayes threshold at the
calibration's effective prior, -log(prior / (1 - prior)).

The file score is the mean of the window scores. The mean is length-invariant in expectation, so a
threshold chosen on 4-second utterances (one window each) still applies to long recordings, and a file
of one window gets exactly that window's score. `min` (the most spoof-like window) flags a short
synthetic insertion in a long recording, at the price of more false rejections the longer the file is.

A file that cannot be judged keeps its score but gets the decision "undecided" and the reasons as flags:
"silent" (no 20 ms frame louder than -60 dBFS) and "too_short" (less audio than `min_duration_s`). The
model still gives such input a confident-looking score (5 s of zeros: +1.44 with the official AASIST), which
means nothing.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from asdf.audio import AudioInfo
from asdf.errors import ConfigError
from asdf.levels import FRAME_S, SILENCE_DBFS
from asdf.inference.windows import check_overlap, hop_samples
from asdf.metrics.calibration import LinearCalibration

AGGREGATIONS = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}
RECORD_FIELDS = ("path", "channel", "duration_s", "sample_rate", "channels", "score", "score_type", "threshold",
                 "decision", "flags", "aggregation", "model", "window_s", "hop_s", "window_starts_s", "window_scores",
                 "error")
BONAFIDE, SPOOF, UNDECIDED = "bonafide", "spoof", "undecided"
DECISION_LABELS = {BONAFIDE: "BONA FIDE", SPOOF: "SPOOF", UNDECIDED: "UNDECIDED"}  # for people: pictures, web demo
SILENT, TOO_SHORT = "silent", "too_short"
DEFAULT_MIN_DURATION_S = 0.5


@dataclass(frozen=True)
class ScoreOptions:
    """How files are cut, batched, scored and decided."""

    overlap: float = 0.5
    batch_size: int | None = None  # None: the scorer's default for its device
    aggregation: str = "mean"
    per_channel: bool = False
    calibration: LinearCalibration | None = None
    threshold: float | None = None  # None: 0 for logits, the calibration's Bayes threshold for LLRs
    min_duration_s: float = DEFAULT_MIN_DURATION_S  # shorter files are "undecided" (flag too_short)

    def __post_init__(self) -> None:
        check_overlap(self.overlap)
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(f"unknown aggregation {self.aggregation!r}; choose from {', '.join(AGGREGATIONS)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ConfigError(f"the threshold must be a finite number, got {self.threshold}")
        if not 0 <= self.min_duration_s < math.inf:
            raise ConfigError(f"the minimum duration must be a finite number of seconds >= 0, "
                              f"got {self.min_duration_s}")

    @property
    def score_type(self) -> str:
        """What the scores are: the bona fide logit, or a calibrated log-likelihood ratio."""
        return "bonafide_logit" if self.calibration is None else "llr"

    @property
    def decision_threshold(self) -> float:
        """Scores above this are decided bona fide."""
        if self.threshold is not None:
            return self.threshold
        if self.calibration is None:
            return 0.0
        return -math.log(self.calibration.prior / (1 - self.calibration.prior))

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Window logits as reported scores (LLRs when there is a calibration)."""
        return logits if self.calibration is None else self.calibration.apply(logits)


def judgement_flags(duration_s: float, loudest_frame_dbfs: float, options: ScoreOptions) -> list[str]:
    """Why a file cannot be judged: [] when it can, else some of "silent" and "too_short"."""
    flags = [SILENT] if loudest_frame_dbfs <= SILENCE_DBFS else []
    return flags + ([TOO_SHORT] if duration_s < options.min_duration_s else [])


def flag_reasons(record: dict, options: ScoreOptions) -> str:
    """The flags of a record in words, for people (the web demo)."""
    reasons = {SILENT: f"it is silent (no {FRAME_S * 1000:.0f} ms stretch louder than {SILENCE_DBFS:.0f} dBFS)",
               TOO_SHORT: f"it is too short ({record['duration_s']:.2f} s; at least {options.min_duration_s:g} s "
                          "are needed)"}
    return " and ".join(reasons[flag] for flag in record["flags"])


def file_record(path: str, info: AudioInfo, channel: int | None, starts: list, scores: np.ndarray,
                scorer, options: ScoreOptions, duration_s: float, flags: list[str]) -> dict:
    """The record of one scored file (or one channel of it); a flagged one is undecided whatever its score."""
    scores = options.calibrated(np.asarray(scores, dtype=np.float64))
    score = float(AGGREGATIONS[options.aggregation](scores))
    threshold = options.decision_threshold
    decision = UNDECIDED if flags else BONAFIDE if score > threshold else SPOOF
    return {
        "path": path, "channel": channel, "duration_s": round(duration_s, 6), "sample_rate": info.sample_rate,
        "channels": info.channels, "score": score, "score_type": options.score_type, "threshold": threshold,
        "decision": decision, "flags": list(flags), "aggregation": options.aggregation,
        "model": scorer.name, "window_s": scorer.window_samples / scorer.sample_rate,
        "hop_s": hop_seconds(scorer, options), "window_starts_s": [start / scorer.sample_rate for start in starts],
        "window_scores": [float(value) for value in scores], "error": None,
    }


def error_record(path: str, error: str) -> dict:
    """The record of a file that could not be scored."""
    record = dict.fromkeys(RECORD_FIELDS)
    record.update(path=path, flags=[], error=" ".join(error.split()))  # one line, whatever the decoder said
    return record


def hop_seconds(scorer, options: ScoreOptions) -> float:
    """Seconds between window starts."""
    return hop_samples(scorer.window_samples, options.overlap) / scorer.sample_rate
