"""What `asdf score` reports per file: the aggregated score, the decision at a stated threshold, the
per-window scores and times, or the error that stopped the file.

Scores follow the project convention: higher = more bona fide. Without a calibration the score is the
model's bona fide logit and the default threshold is 0 (the official AASIST decision). With a calibration
(a shipped model's, or one written by `asdf evaluate --calibrate-on`) the score is a log-likelihood ratio
(LLR), the record gives the posterior probability of bona fide under a prior, and the decision is the Bayes
decision at that prior (bona fide when the posterior is above 1/2, i.e. LLR > -log(prior / (1 - prior))).
The prior is the user's (--prior), else the shipped model's operating point, else the calibration's own.

The file score is the mean of the window scores. The mean is length-invariant in expectation, so a
threshold chosen on 4-second utterances (one window each) still applies to long recordings, and a file
of one window gets exactly that window's score. `min` (the most spoof-like window) flags a short
synthetic insertion in a long recording, at the price of more false rejections the longer the file is.

A file that cannot be judged keeps its score but gets the decision "undecided" and the reasons as flags:
"silent" (no 20 ms frame louder than -60 dBFS), "too_short" (less audio than `min_duration_s`) and
"clipped" (more than 1 % of the samples at full scale). The model still gives such input a
confident-looking score (5 s of zeros: +1.44 with the official AASIST), which means nothing. With a
shipped model two more: "windows_disagree" (one window confidently bona fide and another confidently
spoof: a spliced or partly synthetic recording, or a model out of its depth) and "outside_calibration"
(a raw score beyond the range the calibration set spanned, where the LLR is an extrapolation).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from asdf.base.errors import ConfigError
from asdf.data.audio import AudioInfo
from asdf.data.levels import FRAME_S, SILENCE_DBFS
from asdf.inference.windows import check_overlap, hop_samples
from asdf.metrics.calibration import LinearCalibration

AGGREGATIONS = {"mean": np.mean, "median": np.median, "min": np.min, "max": np.max}
RECORD_FIELDS = ("path", "channel", "duration_s", "sample_rate", "channels", "score", "score_type", "threshold",
                 "posterior", "prior", "operating_point", "calibration", "decision", "flags", "aggregation", "model",
                 "precision", "window_s", "hop_s", "window_starts_s", "window_scores", "error")
BONAFIDE, SPOOF, UNDECIDED = "bonafide", "spoof", "undecided"
DECISION_LABELS = {BONAFIDE: "BONA FIDE", SPOOF: "SPOOF", UNDECIDED: "UNDECIDED"}  # for people: pictures, web demo
SILENT, TOO_SHORT, CLIPPED = "silent", "too_short", "clipped"
WINDOWS_DISAGREE, OUTSIDE_CALIBRATION = "windows_disagree", "outside_calibration"
DEFAULT_MIN_DURATION_S = 0.5
CLIPPED_SHARE = 0.01  # more samples than this at full scale: clipped (real VCTK files reach 0.2 %)
# a window this far (in LLR) above the threshold and another this far below: the windows disagree (100:1 each way)
DISAGREEING_LLR = math.log(100)


@dataclass(frozen=True)
class ScoreOptions:
    """How files are cut, batched, scored and decided."""

    overlap: float = 0.5
    batch_size: int | None = None  # None: the scorer's default for its device
    aggregation: str = "mean"
    per_channel: bool = False
    calibration: LinearCalibration | None = None
    threshold: float | None = None  # None: 0 for logits, the Bayes threshold at `prior` for LLRs
    min_duration_s: float = DEFAULT_MIN_DURATION_S  # shorter files are "undecided" (flag too_short)
    prior: float | None = None  # bona fide prior of the posterior and decision; None: operating point's or calibration's
    operating_point: str = ""  # name of the default rule (a shipped model's), whose prior is `default_prior`
    default_prior: float | None = None  # the operating point's bona fide prior
    calibration_source: str = ""  # where the calibration comes from, in words
    calibrated_range: tuple[float, float] | None = None  # raw file scores the calibration set spanned

    def __post_init__(self) -> None:
        check_overlap(self.overlap)
        if self.aggregation not in AGGREGATIONS:
            raise ConfigError(f"unknown aggregation {self.aggregation!r}; choose from {', '.join(AGGREGATIONS)}")
        if self.batch_size is not None and self.batch_size < 1:
            raise ConfigError(f"batch size must be at least 1, got {self.batch_size}")
        if self.threshold is not None and not math.isfinite(self.threshold):
            raise ConfigError(f"the threshold must be a finite number, got {self.threshold}")
        for name, prior in (("prior", self.prior), ("operating point prior", self.default_prior)):
            if prior is not None and not 0 < prior < 1:
                raise ConfigError(f"the {name} must lie strictly between 0 and 1, got {prior}")
        if self.prior is not None and self.calibration is None:
            raise ConfigError("a prior needs calibrated scores (LLRs): use a shipped model or --calibration")
        if not 0 <= self.min_duration_s < math.inf:
            raise ConfigError(f"the minimum duration must be a finite number of seconds >= 0, "
                              f"got {self.min_duration_s}")

    @property
    def score_type(self) -> str:
        """What the scores are: the bona fide logit, or a calibrated log-likelihood ratio."""
        return "bonafide_logit" if self.calibration is None else "llr"

    @property
    def bonafide_prior(self) -> float | None:
        """The prior of the posterior: the user's, else the operating point's, else the calibration's; None for logits."""
        if self.calibration is None:
            return None
        return next(p for p in (self.prior, self.default_prior, self.calibration.prior) if p is not None)

    @property
    def decision_threshold(self) -> float:
        """Scores above this are decided bona fide."""
        if self.threshold is not None:
            return self.threshold
        if self.calibration is None:
            return 0.0
        return -_log_odds(self.bonafide_prior)

    @property
    def decision_rule(self) -> str:
        """The decision rule in words: which threshold, and where it comes from."""
        if self.threshold is not None:
            return f"threshold {self.threshold:g} set by the user"
        if self.calibration is None:
            return "bona fide logit above 0 (the official AASIST decision; not calibrated)"
        if self.prior is None and self.default_prior is not None and self.operating_point:
            return f"{self.operating_point} (bona fide prior {self.default_prior:.3g})"
        source = "the user's" if self.prior is not None else "the calibration's effective"
        return f"Bayes decision at {source} bona fide prior {self.bonafide_prior:.3g}"

    def calibrated(self, logits: np.ndarray) -> np.ndarray:
        """Window logits as reported scores (LLRs when there is a calibration)."""
        return logits if self.calibration is None else self.calibration.apply(logits)


def _log_odds(probability: float) -> float:
    return math.log(probability / (1 - probability))


def judgement_flags(duration_s: float, loudest_frame_dbfs: float, clipped_share: float,
                    options: ScoreOptions) -> list[str]:
    """Why the audio cannot be judged: [] when it can, else some of "silent", "too_short" and "clipped"."""
    flags = [SILENT] if loudest_frame_dbfs <= SILENCE_DBFS else []
    flags += [TOO_SHORT] if duration_s < options.min_duration_s else []
    return flags + ([CLIPPED] if clipped_share > CLIPPED_SHARE else [])


def score_flags(raw_score: float, window_llrs: np.ndarray, threshold: float, options: ScoreOptions) -> list[str]:
    """Why calibrated scores cannot be trusted: "windows_disagree" and "outside_calibration" (shipped models)."""
    if options.calibrated_range is None:
        return []
    flags = []
    if window_llrs.max() > threshold + DISAGREEING_LLR and window_llrs.min() < threshold - DISAGREEING_LLR:
        flags.append(WINDOWS_DISAGREE)
    low, high = options.calibrated_range
    return flags + ([OUTSIDE_CALIBRATION] if not low <= raw_score <= high else [])


def decision_margin(logits, options: ScoreOptions) -> float:
    """How far (in score units) a file's window logits lie from the nearest boundary that decides it: the
    threshold, and with a shipped model the windows_disagree and outside_calibration bounds."""
    logits = np.asarray(logits, dtype=np.float64)
    scores, threshold = options.calibrated(logits), options.decision_threshold
    distances = [abs(float(AGGREGATIONS[options.aggregation](scores)) - threshold)]
    if options.calibrated_range is not None:
        # windows_disagree needs both the top window above and the bottom one below their bounds
        beyond = min(scores.max() - (threshold + DISAGREEING_LLR), (threshold - DISAGREEING_LLR) - scores.min())
        distances.append(abs(beyond))
        raw_score = float(AGGREGATIONS[options.aggregation](logits))
        distances += [abs(raw_score - bound) for bound in options.calibrated_range]
    return min(distances)


def flag_reasons(record: dict, options: ScoreOptions) -> str:
    """The flags of a record in words, for people (the web demo)."""
    reasons = {SILENT: f"it is silent (no {FRAME_S * 1000:.0f} ms stretch louder than {SILENCE_DBFS:.0f} dBFS)",
               TOO_SHORT: f"it is too short ({record['duration_s']:.2f} s; at least {options.min_duration_s:g} s "
                          "are needed)",
               CLIPPED: f"it is clipped (more than {CLIPPED_SHARE:.1%} of its samples at full scale)",
               WINDOWS_DISAGREE: "parts of it look confidently real and other parts confidently fake",
               OUTSIDE_CALIBRATION: "its score lies outside the range the model was calibrated on"}
    return " and ".join(reasons[flag] for flag in record["flags"])


def file_record(path: str, info: AudioInfo, channel: int | None, starts: list, logits: np.ndarray,
                scorer, options: ScoreOptions, duration_s: float, flags: list[str]) -> dict:
    """The record of one scored file (or one channel of it); a flagged one is undecided whatever its score."""
    logits = np.asarray(logits, dtype=np.float64)
    scores = options.calibrated(logits)
    score = float(AGGREGATIONS[options.aggregation](scores))
    threshold = options.decision_threshold
    flags = flags + score_flags(float(AGGREGATIONS[options.aggregation](logits)), scores, threshold, options)
    decision = UNDECIDED if flags else BONAFIDE if score > threshold else SPOOF
    prior = options.bonafide_prior
    return {
        "path": path, "channel": channel, "duration_s": round(duration_s, 6), "sample_rate": info.sample_rate,
        "channels": info.channels, "score": score, "score_type": options.score_type, "threshold": threshold,
        "posterior": None if prior is None else posterior(score, prior), "prior": prior,
        "operating_point": options.decision_rule, "calibration": options.calibration_source or None,
        "decision": decision, "flags": list(flags), "aggregation": options.aggregation,
        "model": scorer.name, "precision": scorer.precision, "window_s": scorer.window_samples / scorer.sample_rate,
        "hop_s": hop_seconds(scorer, options), "window_starts_s": [start / scorer.sample_rate for start in starts],
        "window_scores": [float(value) for value in scores], "error": None,
    }


def posterior(llr: float, prior: float) -> float:
    """P(bona fide | audio) from a bona fide vs spoof LLR and the bona fide prior."""
    return float(1 / (1 + math.exp(-min(max(llr + _log_odds(prior), -700.0), 700.0))))


def error_record(path: str, error: str) -> dict:
    """The record of a file that could not be scored."""
    record = dict.fromkeys(RECORD_FIELDS)
    record.update(path=path, flags=[], error=" ".join(error.split()))  # one line, whatever the decoder said
    return record


def hop_seconds(scorer, options: ScoreOptions) -> float:
    """Seconds between window starts."""
    return hop_samples(scorer.window_samples, options.overlap) / scorer.sample_rate
