"""sad-off: read every list once, keep each utterance's length in samples, reject unreadable or empty files."""

from __future__ import annotations

import logging
import os
from concurrent.futures import ProcessPoolExecutor
from functools import partial
from pathlib import Path

import pandas as pd

from asdf.base.errors import DataError
from asdf.compute import distributed
from asdf.corpora import eval_list_names, read_list
from asdf.data.audio import read_audio
from asdf.data.levels import SILENCE_DBFS, loudest_frame_dbfs
from asdf.data.lists import LIST_COLUMNS, write_table
from asdf.runner.freshness import StageInputs, table_hash
from asdf.runner.recipe import StageContext

logger = logging.getLogger(__name__)


def list_names(context: StageContext) -> list[str]:
    """Every list the later stages use, each once, in order (eval lists of absent corpora left out if asked)."""
    data = context.settings.data
    eval_lists = eval_list_names(context.settings, context.project_root)
    return list(dict.fromkeys([data.train_list, *data.extra_train_lists, data.dev_list, *eval_lists]))


def outputs(context: StageContext) -> list[Path]:
    """One table per list, and the table of rejected files."""
    layout = context.layout
    return [layout.utterance_list(name) for name in list_names(context)] + [layout.rejected_list()]


def inputs(context: StageContext) -> StageInputs:
    """The lists as the corpora give them now, with the size and time of each audio file (not its content)."""
    settings = context.settings
    tables = {}
    for name in list_names(context):
        utterances, asv_scores = read_list(settings, context.project_root, name)
        stats = "\n".join(_file_stat(path) for path in utterances["path"])
        asv_text = "" if asv_scores is None else asv_scores.to_csv(index=False)
        tables[f"list {name}"] = table_hash(utterances.to_csv(index=False) + stats + asv_text)
    return StageInputs(("data.train_list", "data.extra_train_lists", "data.dev_list", "data.eval_lists",
                        "data.sample_rate", "sad"), tables=tables)


def _file_stat(path: str) -> str:
    """'size mtime' of a file, 'missing' when it is not there (sad-off then rejects it)."""
    try:
        status = os.stat(path)
    except OSError:
        return "missing"
    return f"{status.st_size} {status.st_mtime_ns}"


def measure(path: str, sample_rate: int, min_samples: int, reject_silent: bool = True) -> tuple[int, str]:
    """(length in samples, '') for a usable file, (0, reason) for an unreadable, short, non-finite or silent one
    (read_audio refuses non-finite samples)."""
    try:
        waveform = read_audio(path, sample_rate)
    except DataError as error:
        return 0, str(error)
    if waveform.shape[0] < min_samples:
        return 0, f"{path}: {waveform.shape[0]} samples, fewer than sad.min_samples={min_samples}"
    if reject_silent:
        level = loudest_frame_dbfs(waveform, sample_rate)
        if level <= SILENCE_DBFS:
            return 0, f"{path}: silent (its loudest 20 ms frame is at {level:.0f} dBFS, not above {SILENCE_DBFS:.0f})"
    return int(waveform.shape[0]), ""


def run(context: StageContext) -> None:
    """Write lists/<list>.tsv (usable utterances with lengths), lists/rejected.tsv and ASV score tables."""
    ranks = distributed.start(context.settings.computing)
    if ranks.is_main:  # the other ranks of a torchrun wait for rank 0's tables
        measure_lists(context)
    distributed.barrier(ranks)


def measure_lists(context: StageContext) -> None:
    """Read every list's files once; keep the usable ones with their lengths, the rest in rejected.tsv."""
    settings, layout = context.settings, context.layout
    measure_file = partial(measure, sample_rate=settings.data.sample_rate, min_samples=settings.sad.min_samples,
                           reject_silent=settings.sad.reject_silent)
    rejected = []
    with ProcessPoolExecutor(max_workers=max(1, settings.computing.sad_workers)) as pool:
        for name in list_names(context):
            utterances, asv_scores = read_list(settings, context.project_root, name)
            logger.info("sad-off: reading %d files of list %s", len(utterances), name)
            results = list(pool.map(measure_file, utterances["path"], chunksize=16))
            utterances["num_samples"] = [length for length, _ in results]
            reasons = pd.Series([reason for _, reason in results], index=utterances.index)
            for reason in reasons[reasons != ""]:
                logger.warning("sad-off: list %s: excluded %s", name, reason)
            rejected.append(utterances[reasons != ""].assign(list=name, reason=reasons[reasons != ""]))
            extras = [column for column in utterances.columns if column not in LIST_COLUMNS]
            write_table(layout.utterance_list(name), utterances.loc[reasons == "", LIST_COLUMNS + extras])
            if asv_scores is not None:  # kept beside the lists, so t-DCF needs no corpus access later
                write_table(layout.asv_scores(name), asv_scores)
    rejected_table = pd.concat(rejected)[["list", "utt_id", "key", "path", "reason"]]
    write_table(layout.rejected_list(), rejected_table)
    logger.info("sad-off: %d files rejected (listed in %s)", len(rejected_table), layout.rejected_list())
