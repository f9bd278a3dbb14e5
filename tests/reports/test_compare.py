"""asdf.reports.compare: per-set numbers as evaluate_trials gives them, one pooled threshold carried over every
set, and the table as Markdown, CSV and LaTeX; `asdf compare` on score files of another toolkit."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import pytest

from asdf import metrics
from asdf.cli.main import main
from asdf.reports import evaluate_trials
from asdf.reports.compare import (
    ScoredSet,
    SystemScores,
    compare_systems,
    comparison_latex,
    latex_escape,
    write_comparison,
)


def make_trials(rng, prefix: str, shift: float = 0.0, separation: float = 2.0) -> pd.DataFrame:
    """200 bona fide and 2 x 150 spoof trials (attack A is harder than B), scores shifted by `shift`."""
    spoof = np.concatenate((rng.normal(separation / 2, 1, 150), rng.normal(-separation, 1, 150)))
    return pd.DataFrame({
        "utt_id": [f"{prefix}_{index}" for index in range(500)],
        "attack": ["-"] * 200 + ["A"] * 150 + ["B"] * 150,
        "codec": rng.choice(["none", "mp3"], 500),
        "key": ["bonafide"] * 200 + ["spoof"] * 300,
        "score": np.concatenate((rng.normal(separation, 1, 200), spoof)) + shift,
    })


@pytest.fixture
def two_sets(rng) -> dict[str, pd.DataFrame]:
    """A 'dev' and an 'eval' set of one system, scored alike."""
    return {"dev": make_trials(rng, "D"), "eval": make_trials(rng, "E", separation=1.5)}


def test_per_set_numbers_are_those_of_each_set_alone(two_sets):
    comparison = compare_systems([SystemScores("cm", {name: ScoredSet(trials) for name, trials in two_sets.items()})],
                                 conditions=("attack", "codec"), bootstrap=0)
    for name, trials in two_sets.items():
        alone = evaluate_trials(trials, conditions=("attack", "codec"), bootstrap=0)
        mine = comparison["systems"]["cm"]["sets"][name]
        assert (mine["eer"], mine["eer_threshold"], mine["min_dcf"]) == (alone["eer"], alone["eer_threshold"],
                                                                           alone["min_dcf"])
        assert mine["per_attack"] == alone["per_attack"] and mine["per_codec"] == alone["per_codec"]
        assert "act_dcf" not in mine and "cllr" not in mine  # not calibrated: no LLR metrics


def test_calibrated_systems_get_act_dcf_and_cllr(two_sets):
    comparison = compare_systems([SystemScores("llr", {"dev": ScoredSet(two_sets["dev"])}, calibrated=True)],
                                 bootstrap=0)
    alone = evaluate_trials(two_sets["dev"], bootstrap=0)
    mine = comparison["systems"]["llr"]["sets"]["dev"]
    assert (mine["act_dcf"], mine["cllr"]) == (alone["act_dcf"], alone["cllr"])
    assert "actDCF" in comparison_latex(comparison)


def test_pooled_eer_is_that_of_the_concatenated_trials(two_sets):
    comparison = compare_systems([SystemScores("cm", {name: ScoredSet(trials) for name, trials in two_sets.items()})],
                                 bootstrap=0)
    everything = pd.concat(two_sets.values())
    expected = metrics.compute_eer(everything.score[everything.key == "bonafide"],
                                   everything.score[everything.key == "spoof"])
    pooled = comparison["systems"]["cm"]["pooled"]
    assert (pooled["eer"], pooled["threshold"]) == (expected.eer, expected.threshold)


def test_a_threshold_that_does_not_carry_over_shows_in_the_per_set_rates(rng):
    steady = {"in-domain": make_trials(rng, "I", separation=4), "other": make_trials(rng, "O", separation=4)}
    shifted = {"in-domain": steady["in-domain"], "other": steady["other"].assign(score=steady["other"].score + 4)}
    comparison = compare_systems([SystemScores("steady", {n: ScoredSet(t) for n, t in steady.items()}),
                                  SystemScores("shifted", {n: ScoredSet(t) for n, t in shifted.items()})], bootstrap=0)
    steady_result, shifted_result = comparison["systems"]["steady"], comparison["systems"]["shifted"]
    # a shift changes no EER of a set alone ...
    assert [shifted_result["sets"][n]["eer"] for n in steady] == [steady_result["sets"][n]["eer"] for n in steady]
    # ... but one threshold for both sets misses bona fide trials of one and accepts spoofs of the other
    for rates in steady_result["pooled"]["per_set"].values():
        assert rates["miss"] < 0.2 and rates["false_alarm"] < 0.2
    assert shifted_result["pooled"]["per_set"]["other"]["false_alarm"] > 0.4  # all of attack A let through
    assert shifted_result["pooled"]["per_set"]["in-domain"]["miss"] > 0.4
    assert shifted_result["pooled"]["eer"] > 2 * steady_result["pooled"]["eer"]


def test_latex_escapes_and_keeps_the_table_shape(two_sets):
    assert latex_escape("a_b 5% R&D $x #1 {y}") == r"a\_b 5\% R\&D \$x \#1 \{y\}"
    systems = [SystemScores("my_cm 100% & co", {"ood_dev.eval": ScoredSet(two_sets["eval"])}),
               SystemScores("base", {"ood_dev.eval": ScoredSet(two_sets["dev"]), "dev": ScoredSet(two_sets["dev"])})]
    latex = comparison_latex(compare_systems(systems, bootstrap=0))
    assert r"\begin{tabular}" in latex and r"\toprule" in latex and r"\bottomrule" in latex
    assert r"my\_cm 100\% \& co &" in latex and r"{ood\_dev.eval}" in latex
    rows = [line for line in latex.splitlines() if line.endswith(r"\\") and not line.startswith(" &")]
    separators = {len(re.findall(r"(?<!\\)&", row)) for row in rows}
    columns = re.search(r"\\begin\{tabular\}\{(\w+)\}", latex).group(1)
    assert separators == {len(columns) - 1}  # every row has as many cells as the tabular has columns


def test_written_files_read_back(tmp_path, two_sets, rng):
    other = {name: trials.assign(score=trials.score + rng.normal(0, 1, len(trials))) for name, trials in two_sets.items()}
    systems = [SystemScores("first", {name: ScoredSet(trials) for name, trials in two_sets.items()}),
               SystemScores("second, noisier", {name: ScoredSet(trials) for name, trials in other.items()})]
    comparison = compare_systems(systems, conditions=("attack", "codec"), bootstrap=20)
    paths = write_comparison(comparison, systems, tmp_path)
    assert all(path.is_file() for path in paths)
    assert {path.name for path in paths} >= {"first_vs_second__noisier.dev_scatter.png", "first.eval_confusion.png",
                                             "second__noisier.dev_attack_scores.png"}
    saved = json.loads((tmp_path / "comparison.json").read_text())
    table = pd.read_csv(tmp_path / "comparison.csv").set_index("system")
    assert list(table.index) == ["first", "second, noisier"]
    for system in table.index:
        assert table.loc[system, "eval: EER (%)"] == 100 * saved["systems"][system]["sets"]["eval"]["eer"]
        assert table.loc[system, "all sets: EER (%)"] == 100 * saved["systems"][system]["pooled"]["eer"]
        assert table.loc[system, "dev: miss (%) at pooled thr."] == 100 * saved["systems"][system]["pooled"][
            "per_set"]["dev"]["miss"]
    breakdown = pd.read_csv(tmp_path / "breakdown.csv")
    row = breakdown[(breakdown.system == "first") & (breakdown.set == "dev") & (breakdown.value == "A")].iloc[0]
    assert row.eer_percent == 100 * saved["systems"]["first"]["sets"]["dev"]["per_attack"]["A"]["eer"]
    assert set(breakdown.condition) == {"attack", "codec"}
    markdown = (tmp_path / "comparison.md").read_text()
    assert "| system | dev: EER (%) |" in markdown and "## eval: EER (%) per codec" in markdown


def _write_2019_files(folder, name: str, trials: pd.DataFrame) -> None:
    """A 2019-style protocol and a score file `utt score` (ASVspoof 2021 format) of the same trials."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{name}.protocol.txt").write_text("".join(
        f"SPK {utt} - {attack} {key}\n" for utt, attack, key in zip(trials.utt_id, trials.attack, trials.key)))


def test_asdf_compare_reads_folders_and_set_file_pairs(tmp_path, two_sets, capsys):
    protocols, theirs, ours = tmp_path / "protocols", tmp_path / "theirs", tmp_path / "ours"
    for name, trials in two_sets.items():
        _write_2019_files(protocols, name, trials)
        theirs.mkdir(exist_ok=True)
        (theirs / f"{name}.best.txt").write_text("".join(f"{u} {s!r}\n" for u, s in zip(trials.utt_id, trials.score)))
    (ours / "d.txt").parent.mkdir()
    (ours / "d.txt").write_text("".join(f"{u} {-s!r}\n" for u, s in zip(two_sets["dev"].utt_id, two_sets["dev"].score)))
    status = main(["compare", "--system", f"theirs={theirs}", "--system", f"ours=dev:{ours / 'd.txt'}",
                   "--set", f"dev={protocols / 'dev.protocol.txt'}", "--set", f"eval={protocols / 'eval.protocol.txt'}",
                   "--bootstrap", "0", "--out", str(tmp_path / "out")])
    assert status == 0, capsys.readouterr().err
    saved = json.loads((tmp_path / "out" / "comparison.json").read_text())
    assert saved["systems"]["theirs"]["sets"]["eval"]["eer"] == evaluate_trials(two_sets["eval"], bootstrap=0)["eer"]
    assert list(saved["systems"]["ours"]["sets"]) == ["dev"]  # a system may score some of the sets
    assert saved["systems"]["ours"]["sets"]["dev"]["eer"] > 0.5  # its scores are the wrong way round
    assert "| ours |" in (tmp_path / "out" / "comparison.md").read_text()


def test_asdf_compare_names_a_wrong_system_option(tmp_path, two_sets, capsys):
    _write_2019_files(tmp_path, "dev", two_sets["dev"])
    status = main(["compare", "--system", "theirs", "--set", f"dev={tmp_path / 'dev.protocol.txt'}",
                   "--out", str(tmp_path / "out")])
    assert status == 2
    assert "--system 'theirs': expected NAME=" in capsys.readouterr().err
