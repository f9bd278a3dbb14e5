"""Read and write countermeasure score files (ASVspoof 2019, 2021, 5) and join them to protocol keys.

Scores: higher = more bona fide. Every refusal names the file and line so a user can fix it.
"""

from __future__ import annotations

import csv
import json
import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from asdf.base.fileio import atomic_write_text
from asdf.data.protocols import CM_KEYS, ProtocolError, line_of
from asdf.metrics.det import compute_eer

logger = logging.getLogger(__name__)

SCORE_FORMATS = ("asvspoof2019", "asvspoof2021", "asvspoof5", "asdf-score")
ASVSPOOF5_HEADER = "filename\tcm-score"
ASDF_SCORE_CSV_HEADER = "path,channel,"  # how the CSV results of `asdf score` begin (JSON Lines begin with '{')
# Warn when negated scores would have an EER this much lower (absolute, fraction): a likely sign flip.
SIGN_FLIP_EER_GAP = 0.2


class ScoreFileError(ProtocolError):
    """A score file that cannot be read or does not match its protocol."""


def detect_score_format(path: str | os.PathLike) -> str:
    """Guess the score format from the first non-blank line (header or column count)."""
    with open(path, encoding="utf-8") as handle:
        first_line = next((line for line in handle if line.strip()), "")
    if first_line.rstrip("\r\n").split("\t")[:2] == ["filename", "cm-score"]:
        return "asvspoof5"
    if first_line.startswith(ASDF_SCORE_CSV_HEADER) or first_line.lstrip().startswith("{"):
        return "asdf-score"
    formats_by_columns = {4: "asvspoof2019", 2: "asvspoof2021"}
    n_columns = len(first_line.split())
    if n_columns not in formats_by_columns:
        raise ScoreFileError(f"{path}:1: cannot tell the score format from a line of {n_columns} columns "
                             f"(expected 'UTT SYSTEM KEY SCORE', 'TRIAL SCORE' or the header '{ASVSPOOF5_HEADER}')")
    return formats_by_columns[n_columns]


def _layout(fmt: str) -> tuple[list[str], str, bool]:
    """Column names, the layout described for error messages, and whether a header line comes first."""
    if fmt == "asvspoof2019":
        return ["utt_id", "attack", "key", "score"], "UTT SYSTEM KEY SCORE", False
    if fmt == "asvspoof2021":
        return ["utt_id", "score"], "TRIAL SCORE", False
    if fmt == "asvspoof5":
        return ["utt_id", "score"], ASVSPOOF5_HEADER.replace("\t", "<TAB>"), True
    raise ScoreFileError(f"unknown score format {fmt!r}; expected one of {', '.join(SCORE_FORMATS)} or auto")


def _parse_score(path, line_number: int, text: str) -> float:
    """One score as a float; refuse text that is not a number and NaN/inf, naming the line."""
    try:
        score = float(text)
    except ValueError:
        raise ScoreFileError(f"{path}:{line_number}: score {text!r} is not a number") from None
    if not np.isfinite(score):
        raise ScoreFileError(f"{path}:{line_number}: score is {text!r}; scores must be finite numbers")
    return score


def read_asdf_results(path: Path) -> pd.DataFrame:
    """The results of `asdf score` (CSV or JSON Lines) as `utt_id, score, line`: an utterance is its file's name
    without extension; files that could not be scored have no score (a protocol naming them is refused)."""
    with open(path, encoding="utf-8", newline="") as handle:
        if path.suffix.lower() == ".csv" or handle.read(len(ASDF_SCORE_CSV_HEADER)) == ASDF_SCORE_CSV_HEADER:
            handle.seek(0)
            rows = [(row, number) for number, row in enumerate(csv.DictReader(handle), start=2)]
        else:
            handle.seek(0)
            rows = [(_json_record(path, number, line), number) for number, line in enumerate(handle, start=1)
                    if line.strip()]
    records = [[Path(str(row.get("path"))).stem, _parse_score(path, number, str(row["score"])), number]
               for row, number in rows if row.get("score") not in (None, "")]
    if not records:
        raise ScoreFileError(f"{path}: no scores (expected the results of asdf score, CSV or JSON Lines)")
    return pd.DataFrame(records, columns=["utt_id", "score", "line"])


def _json_record(path, line_number: int, line: str) -> dict:
    """One JSON Lines record, or one line naming where the file is not JSON."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError:
        raise ScoreFileError(f"{path}:{line_number}: not a JSON record of asdf score") from None
    if not isinstance(record, dict) or "score" not in record:
        raise ScoreFileError(f"{path}:{line_number}: a JSON record without a 'score' (expected asdf score results)")
    return record


def read_score_file(path: str | os.PathLike, fmt: str = "auto") -> pd.DataFrame:
    """Read a score file -> DataFrame `utt_id, [attack, key,] score, line` (line: 1-based line number)."""
    path = Path(path)
    fmt = detect_score_format(path) if fmt == "auto" else fmt
    if fmt == "asdf-score":
        return read_asdf_results(path)
    columns, expected, has_header = _layout(fmt)
    records = []
    with open(path, encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            if has_header and line_number == 1:
                if line.rstrip("\r\n") != ASVSPOOF5_HEADER:
                    raise ScoreFileError(f"{path}:1: expected the header {expected!r}")
                continue
            fields = line.split("\t") if has_header else line.split()
            fields = [field.strip() for field in fields]
            if not any(fields):
                continue
            if len(fields) != len(columns):
                raise ScoreFileError(f"{path}:{line_number}: expected {len(columns)} columns ({expected}), "
                                     f"found {len(fields)}: {line.strip()!r}")
            if "key" in columns and fields[2] not in CM_KEYS:
                raise ScoreFileError(f"{path}:{line_number}: unknown key {fields[2]!r} (expected bonafide or spoof)")
            records.append(fields[:-1] + [_parse_score(path, line_number, fields[-1]), line_number])
    if not records:
        raise ScoreFileError(f"{path}: no scores (expected lines of {expected})")
    return pd.DataFrame(records, columns=columns + ["line"])


def _format_lines(trials: pd.DataFrame, fmt: str) -> list[str]:
    """Lines of a score file; repr() keeps every float exactly."""
    utt_ids, scores = trials["utt_id"].astype(str), [repr(float(score)) for score in trials["score"]]
    if fmt == "asvspoof2019":
        return [f"{utt} {attack} {key} {score}" for utt, attack, key, score
                in zip(utt_ids, trials["attack"].astype(str), trials["key"].astype(str), scores)]
    separator = "\t" if fmt == "asvspoof5" else " "
    header = [ASVSPOOF5_HEADER] if fmt == "asvspoof5" else []
    return header + [f"{utt}{separator}{score}" for utt, score in zip(utt_ids, scores)]


def write_score_file(path: str | os.PathLike, trials: pd.DataFrame, fmt: str) -> None:
    """Write trials (`utt_id, attack, key, score`) as an ASVspoof score file, atomically."""
    _layout(fmt)
    missing = [name for name in ("utt_id", "score") + (("attack", "key") if fmt == "asvspoof2019" else ())
               if name not in trials.columns]
    if missing:
        raise ValueError(f"cannot write {fmt} scores: the trials lack columns {missing}")
    if not np.isfinite(trials["score"].to_numpy(dtype=np.float64)).all():
        raise ValueError(f"cannot write {path}: some scores are NaN or infinite")
    atomic_write_text(path, "\n".join(_format_lines(trials, fmt)) + "\n")


def _name_lines(frame: pd.DataFrame, limit: int = 5) -> str:
    """'line 3 (LA_E_1), line 9 (LA_E_2)' for the first few rows of a score table."""
    named = [f"line {line} ({utt})" for utt, line in zip(frame["utt_id"], frame["line"])][:limit]
    more = f" and {len(frame) - limit} more" if len(frame) > limit else ""
    return ", ".join(named) + more


def _refuse_bad_ids(scores: pd.DataFrame, protocol: pd.DataFrame, source) -> None:
    """Refuse duplicated ids, ids the protocol lacks and protocol ids without a score."""
    duplicated = scores[scores["utt_id"].duplicated(keep=False)]
    if len(duplicated):
        raise ScoreFileError(f"{source}: duplicated utterance ids: {_name_lines(duplicated)}")
    unknown = scores[~scores["utt_id"].isin(protocol["utt_id"])]
    if len(unknown):
        raise ScoreFileError(f"{source}: utterance ids not in the protocol: {_name_lines(unknown)}")
    missing = np.flatnonzero(~protocol["utt_id"].isin(scores["utt_id"]).to_numpy())
    if missing.size:
        shown = ", ".join(f"{protocol['utt_id'].iloc[position]} ({line_of(protocol, position)})"
                          for position in missing[:5])
        more = f" and {missing.size - 5} more" if missing.size > 5 else ""
        raise ScoreFileError(f"{source}: {missing.size} protocol utterance(s) have no score: {shown}{more}")


def drop_unlisted(scores: pd.DataFrame, protocol: pd.DataFrame, source: str) -> pd.DataFrame:
    """The scores of the protocol's utterances; one line says how many others were left out (a scored folder
    also holds e.g. the ASV enrolment files of an ASVspoof layout)."""
    listed = scores["utt_id"].isin(protocol["utt_id"])
    if not listed.all():
        logger.info("%s: left out %d scored files the protocol does not list (e.g. %s)", source,
                    int((~listed).sum()), scores.loc[~listed, "utt_id"].iloc[0])
    return scores[listed]


def join_scores(scores: pd.DataFrame, protocol: pd.DataFrame, source: str = "scores") -> pd.DataFrame:
    """Protocol rows with their `score`, refusing missing/duplicated/unknown ids and key mismatches."""
    repeated = np.flatnonzero(protocol["utt_id"].duplicated().to_numpy())
    if repeated.size:
        position = int(repeated[0])
        raise ScoreFileError(f"{line_of(protocol, position)}: the protocol lists {protocol['utt_id'].iloc[position]!r} twice")
    _refuse_bad_ids(scores, protocol, source)
    trials = protocol.merge(scores[["utt_id", "score", "line"] + (["key"] if "key" in scores else [])],
                            on="utt_id", how="left", suffixes=("", "_scored"))
    if "key_scored" in trials:
        disagree = trials[trials["key"] != trials["key_scored"]]
        if len(disagree):
            raise ScoreFileError(f"{source}: key differs from the protocol's at {_name_lines(disagree)}")
        trials = trials.drop(columns="key_scored")
    warn_if_sign_flipped(trials, source)
    return trials.drop(columns="line")


def warn_if_sign_flipped(trials: pd.DataFrame, source: str = "scores") -> None:
    """Log a warning when negating the scores would lower the EER a lot (a sign or label mix-up)."""
    is_bonafide = (trials["key"] == "bonafide").to_numpy()
    scores = trials["score"].to_numpy(dtype=np.float64)
    if is_bonafide.all() or not is_bonafide.any():
        return
    eer = compute_eer(scores[is_bonafide], scores[~is_bonafide]).eer
    negated_eer = compute_eer(-scores[is_bonafide], -scores[~is_bonafide]).eer
    if eer - negated_eer > SIGN_FLIP_EER_GAP:
        logger.warning("%s: EER is %.2f%% but %.2f%% with the scores negated; higher scores should mean bona fide "
                       "(check the score sign and the bona fide class index)", source, 100 * eer, 100 * negated_eer)
