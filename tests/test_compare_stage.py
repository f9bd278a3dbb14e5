"""The compare stage: reads each system's eval scores under the output folder, writes the comparison, skips an
unchanged rerun, reruns when a system's scores change, and leaves out lists of corpora not on this machine."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from asdf import corpora
from asdf.base.errors import ConfigError, DataError
from asdf.base.paths import OutputLayout
from asdf.base.settings import Settings
from asdf.corpora import read_list
from asdf.data.lists import write_table
from asdf.data.scorefiles import write_score_file
from asdf.reports.compare import FILE_NAMES
from asdf.runner.recipe import StageContext, run_stage
from asdf.runner.settings_checks import validate_settings
from asdf.stages import STAGES

COMPARE = next(stage for stage in STAGES if stage.name == "compare")


def write_eval_outputs(layout: OutputLayout, list_name: str, scores: np.ndarray) -> None:
    """What sad-off and eval leave for one list: lists/<list>.tsv (with a `group` column) and its scores."""
    count = scores.size
    table = pd.DataFrame({"utt_id": [f"U{index}" for index in range(count)], "path": "x.flac", "speaker": "-",
                          "attack": ["-"] * (count // 2) + ["S1", "S2"] * (count // 4),
                          "key": ["bonafide"] * (count // 2) + ["spoof"] * (count // 2), "num_samples": 16000,
                          "group": ["studio", "phone"] * (count // 2)})
    write_table(layout.utterance_list(list_name), table)
    write_score_file(layout.scores(list_name, "best"), table.assign(score=scores), "asvspoof2019")


@pytest.fixture
def context(tmp_path, rng) -> StageContext:
    """Two systems, 'aasist' and 'aasist-l', each with eval scores of list 'eval'; the ASVspoof 2019 folder exists."""
    settings = Settings()
    settings.paths.output_folder = str(tmp_path / "output")
    settings.paths.asvspoof2019_la = str(tmp_path)
    settings.data.eval_lists = ["eval"]
    settings.compare.systems = ["aasist", "aasist-l"]
    settings.compare.bootstrap = 0
    for system, separation in (("aasist", 3.0), ("aasist-l", 1.0)):
        layout = OutputLayout.for_system(tmp_path, settings.paths, system)
        write_eval_outputs(layout, "eval", np.r_[rng.normal(separation, 1, 40), rng.normal(0, 1, 40)])
    return StageContext(settings, OutputLayout.for_system(tmp_path, settings.paths, "aasist"), tmp_path)


def _comparison(context: StageContext) -> dict:
    return json.loads((context.layout.root / "compare" / "comparison.json").read_text())


def test_compare_stage_writes_reruns_on_new_scores_and_skips_otherwise(context, caplog, rng):
    caplog.set_level(logging.INFO)
    run_stage(COMPARE, context)
    assert all((context.layout.root / "compare" / name).is_file() for name in FILE_NAMES)
    first = _comparison(context)
    assert list(first["systems"]) == ["aasist", "aasist-l"]
    assert first["systems"]["aasist"]["sets"]["eval"]["eer"] < first["systems"]["aasist-l"]["sets"]["eval"]["eer"]
    assert set(first["systems"]["aasist"]["sets"]["eval"]["per_group"]) == {"studio", "phone"}

    caplog.clear()
    run_stage(COMPARE, context)
    assert "stage compare: skipped" in caplog.text

    caplog.clear()
    light = OutputLayout.for_system(context.project_root, context.settings.paths, "aasist-l")
    write_eval_outputs(light, "eval", np.r_[rng.normal(5, 1, 40), rng.normal(0, 1, 40)])
    run_stage(COMPARE, context)
    assert "its inputs changed: aasist-l/scores/eval.best.txt changed" in caplog.text
    assert _comparison(context)["systems"]["aasist-l"]["sets"]["eval"]["eer"] < 0.1


def test_lists_of_absent_corpora_are_left_out_with_one_line(context, caplog, monkeypatch):
    monkeypatch.setattr(corpora, "_reported_unavailable", set())  # as in a fresh process
    caplog.set_level(logging.INFO)
    context.settings.data.eval_lists = ["eval", "in_the_wild.eval", "asvspoof5.eval"]
    context.settings.data.skip_unavailable_lists = True
    context.settings.paths.asvspoof5 = str(context.project_root / "not-there")
    run_stage(COMPARE, context)
    run_stage(COMPARE, context)  # each list is reported once, not by every stage and call that asks
    assert list(_comparison(context)["sets"]) == ["eval"]
    left_out = [record.getMessage() for record in caplog.records if "left out" in record.getMessage()]
    assert left_out == ["list in_the_wild.eval left out (data.skip_unavailable_lists): paths.in_the_wild is empty",
                        f"list asvspoof5.eval left out (data.skip_unavailable_lists): paths.asvspoof5 = "
                        f"'{context.project_root / 'not-there'}' is not a folder ({context.project_root / 'not-there'})"]


def test_missing_scores_name_the_file_and_the_stage(context):
    context.settings.compare.checkpoint = "last"
    with pytest.raises(DataError, match=r"scores/eval.last.txt not found: run the eval stage of system aasist"):
        run_stage(COMPARE, context)


def test_ood_dev_is_read_from_the_shared_data(shared_data):
    settings = Settings()
    settings.paths.ood_dev = str(shared_data / "ood-dev")
    utterances, asv_scores = read_list(settings, Path.cwd(), "ood_dev.eval")
    assert asv_scores is None and len(utterances) == 284
    assert (utterances.key == "bonafide").sum() == 29
    assert set(utterances.attack[utterances.key == "bonafide"]) == {"-"}
    assert utterances.attack[utterances.key == "spoof"].nunique() > 10 and utterances.group.nunique() > 5
    assert all(Path(path).is_file() for path in utterances.path)


def test_settings_naming_an_uncompared_calibrated_system_are_refused():
    settings = Settings()
    settings.compare.systems = ["aasist", "aasist-l"]
    settings.compare.calibrated = ["rawnet2"]
    with pytest.raises(ConfigError, match=r"compare.calibrated must be names among the systems compared"):
        validate_settings(settings)
