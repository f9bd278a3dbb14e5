"""recipe.seeds: one sibling system per seed, each skipped when unchanged, and a summary with error bars."""

from __future__ import annotations

import csv
import io
import json
import shutil
from pathlib import Path

import pytest
import torch

from asdf.base.errors import ConfigError
from asdf.base.settings import Settings
from asdf.reports.seeds import summarise, summary_csv, summary_markdown
from asdf.runner.settings_checks import validate_settings
from tests.training.tiny_runs import run_recipe, tiny_overrides, write_plain_corpus

STAGES = ["sad-off", "train", "eval", "score"]


def _row(eer: float, min_tdcf: float | None, a01: float | str) -> dict:
    """A row of final/results.json as the score stage writes it."""
    return {"list": "eval", "checkpoint": "best", "eer": eer, "min_tdcf": min_tdcf,
            "per_attack": {"A01": {"eer": a01}}, "counts": {"total": 10}}


def test_summary_gives_mean_sample_std_best_and_worst_seed_per_metric():
    summary = summarise({7: [_row(0.30, 0.60, 0.2)], 1: [_row(0.10, None, "nan")], 2: [_row(0.20, 0.40, 0.4)]})
    rows = {(row["metric"], row["attack"]): row for row in summary}
    eer = rows["eer", "all"]
    assert (eer["n"], eer["mean"], eer["std"]) == (3, pytest.approx(0.2), pytest.approx(0.1))
    assert (eer["best"], eer["best_seed"], eer["worst"], eer["worst_seed"]) == (0.10, 1, 0.30, 7)
    tdcf = rows["min_tdcf", "all"]  # seed 1 has none: N says so
    assert (tdcf["n"], tdcf["mean"], tdcf["std"], tdcf["best_seed"]) == (2, pytest.approx(0.5),
                                                                         pytest.approx(0.02 ** 0.5), 2)
    attack = rows["eer", "A01"]  # a NaN EER of one seed is left out, not averaged in
    assert (attack["n"], attack["mean"], attack["values"]) == (2, pytest.approx(0.3), {"7": 0.2, "2": 0.4})
    markdown = summary_markdown(summary, [7, 1, 2])
    assert "| eval | best | EER % | 3 | 20.00 | 10.00 | 10.00 (1) | 30.00 (7) |" in markdown
    assert "| eval | best | min t-DCF | 2 | 0.5000 | 0.1414 | 0.4000 (2) | 0.6000 (7) |" in markdown
    table = list(csv.DictReader(io.StringIO(summary_csv(summary))))
    assert table[0]["metric"] == "eer" and float(table[0]["std"]) == pytest.approx(0.1)


def test_one_seed_has_no_standard_deviation():
    (row, _, _) = summarise({5: [_row(0.25, 0.5, 0.1)]})
    assert (row["n"], row["std"], row["best_seed"], row["worst_seed"]) == (1, None, 5, 5)
    assert "| 1 | 25.00 | - | 25.00 (5) | 25.00 (5) |" in summary_markdown([row], [5])


@pytest.mark.parametrize("seeds", [[1, 1], [1, "2"], [True], [-1]])
def test_seeds_must_be_distinct_non_negative_integers(seeds):
    settings = Settings()
    settings.recipe.seeds = seeds
    with pytest.raises(ConfigError, match=r"recipe\.seeds must be a list of distinct integers >= 0"):
        validate_settings(settings)


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return write_plain_corpus(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def two_seeds(corpus, tmp_path_factory) -> tuple[Path, str]:
    """The output folder and log of `sad-off train eval score` with recipe.seeds=[1,2], 2 epochs."""
    output = tmp_path_factory.mktemp("seeds")
    result = run_recipe([*STAGES, *tiny_overrides(corpus, output, "training.epochs=2", "recipe.seeds=[1,2]")])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return output, result.stdout


def _weights(path: Path) -> dict:
    return torch.load(path, map_location="cpu", weights_only=True)["model"]


def test_each_seed_runs_in_its_own_system_and_the_summary_matches_their_results(two_seeds):
    output, log = two_seeds
    assert "seed 2/2 (training.seed=2): system aasist-seed2" in log
    eers = {seed: json.loads((output / f"aasist-seed{seed}" / "final" / "results.json").read_text())
            ["results"][0]["eer"] for seed in (1, 2)}
    summary = json.loads((output / "aasist-seeds" / "summary.json").read_text())
    eer = next(row for row in summary["summary"] if (row["metric"], row["attack"]) == ("eer", "all"))
    assert eer["n"] == 2 and eer["values"] == {"1": eers[1], "2": eers[2]}
    assert eer["mean"] == pytest.approx((eers[1] + eers[2]) / 2)
    markdown = (output / "aasist-seeds" / "summary.md").read_text()
    assert markdown.splitlines()[2] in log  # the table is printed to the log
    assert (output / "aasist-seeds" / "summary.csv").read_text().startswith("list,checkpoint,metric,attack,n,")
    first, second = _weights(output / "aasist-seed1" / "checkpoints" / "last.pt"), \
        _weights(output / "aasist-seed2" / "checkpoints" / "last.pt")
    assert not all(torch.equal(first[key], second[key]) for key in first)  # the seed changes the training


def test_the_same_seed_gives_bit_identical_checkpoints_outside_the_seed_loop(corpus, two_seeds):
    output, _ = two_seeds
    alone = run_recipe(["sad-off", "train", *tiny_overrides(corpus, output, "training.epochs=2", "training.seed=2",
                                                           "recipe.system='alone'")])
    assert alone.returncode == 0, alone.stdout[-3000:] + alone.stderr[-3000:]
    for name in ("epoch_001", "epoch_002", "best"):
        expected, repeated = _weights(output / "aasist-seed2" / "checkpoints" / f"{name}.pt"), \
            _weights(output / "alone" / "checkpoints" / f"{name}.pt")
        assert all(torch.equal(expected[key], repeated[key]) for key in expected), name


def test_an_added_seed_runs_alone_and_the_summary_grows(corpus, two_seeds, tmp_path):
    output = tmp_path / "seeds"
    shutil.copytree(two_seeds[0], output)  # the other tests keep the two-seed summary
    result = run_recipe([*STAGES, *tiny_overrides(corpus, output, "training.epochs=2", "recipe.seeds=[1,2,3]")])
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for seed in (1, 2):
        for stage in STAGES:
            assert f"stage {stage}: skipped: its outputs in {output / f'aasist-seed{seed}'} exist" in result.stdout
    assert f"stage train: started, output folder {output / 'aasist-seed3'}" in result.stdout
    summary = json.loads((output / "aasist-seeds" / "summary.json").read_text())
    assert summary["seeds"] == [1, 2, 3] and {row["n"] for row in summary["summary"]} == {3}
