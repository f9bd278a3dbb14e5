"""The figures of a shipped model's card, measured with `asdf score` as users run it.

    python utils/model_card_figures.py                        # asdf-open, and the official AASIST beside it
    python utils/model_card_figures.py --sets ood-dev --models asdf-open

Each set's files go through `asdf score - --model M --out <out>/<set>.<M>.csv --resume --precision fp32` (paths
on stdin), so an interrupted run continues and a rerun only computes the tables. For every set and model it prints:
pooled EER, the share of bona fide files rejected, left undecided (flagged) and spoofs accepted at the
model's own decision, and for calibrated models Cllr, actDCF and minDCF (ASVspoof 5 costs); then EERs per
attack (system) and per group, real speech rejected per group, which flags fired on real speech, and the
reliability of the posterior. Sets: the open corpus dev and eval (paths.open_spoof), ood-dev (evaluation
only), the demo corpus eval, the three ASVspoof 2019 LA samples and the real speech of the shared data.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asdf.base.settings import Settings  # noqa: E402
from asdf.corpora import read_list  # noqa: E402
from asdf.metrics.cllr import cllr  # noqa: E402
from asdf.metrics.dcf import act_dcf, min_dcf  # noqa: E402
from asdf.metrics.det import compute_eer  # noqa: E402
from asdf.pretrained import DEFAULT_MODEL  # noqa: E402

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SAMPLES = {"LA_T_1272637": "bonafide", "LA_D_1003356": "spoof", "LA_E_6163791": "spoof"}
REAL_SPEECH = ("speech/librispeech/test-other", "speech/librispeech/train-clean-100", "speech/ljspeech",
               "speech/arctic", "vocoded/wavefake-ljspeech/real")
RELIABILITY_BINS = np.linspace(0, 1, 6)


def _source_group(source: str) -> str:
    """Where a real recording comes from: corpus/subset (librispeech/test-other) or collections/<repository>."""
    if "@" in source:
        return "collections/" + source.split("@")[0]
    return "/".join(part for part in source.split("/")[1:3] if "." not in part)


def _open_spoof(split: str, settings: Settings) -> pd.DataFrame:
    table, _ = read_list(settings, PROJECT_ROOT, f"open_spoof.{split}")
    manifest = pd.read_csv(Path(settings.paths.open_spoof) / "manifest.tsv", sep="\t",
                           usecols=["utt_id", "source", "technology", "voice"], dtype=str, keep_default_na=False)
    table = table.merge(manifest, on="utt_id", how="left")
    table["group"] = table["source"].map(_source_group).where(table["key"] == "bonafide", "-")
    # the collected systems' family is the first word of their technology ("gan-vocoder (copy-synthesis) ...")
    table["family"] = table["technology"].str.split().str[0].where(table["attack"].str.startswith("C"), "-")
    trained = set(read_list(settings, PROJECT_ROOT, "open_spoof.train")[0]["attack"])
    table["unseen"] = ~table["attack"].isin(trained)
    return table


def _ood_dev(settings: Settings) -> pd.DataFrame:
    table, _ = read_list(settings, PROJECT_ROOT, "ood_dev.eval")
    return table


def _demo_eval(settings: Settings) -> pd.DataFrame:
    table, _ = read_list(settings, PROJECT_ROOT, "demo_la.eval")
    return table.assign(group=table["key"].where(table["key"] == "bonafide", "-"))


def _samples(settings: Settings) -> pd.DataFrame:
    folder = Path(settings.paths.shared_data) / "asvspoof2019-la-samples"
    return pd.DataFrame([{"utt_id": name, "path": str(folder / f"{name}.flac"), "key": key, "attack": "-",
                          "group": "asvspoof2019-la"} for name, key in SAMPLES.items()])


def _shared_real(settings: Settings) -> pd.DataFrame:
    shared = Path(settings.paths.shared_data)
    rows = [{"utt_id": str(path), "path": str(path), "key": "bonafide", "attack": "-", "group": group}
            for group in REAL_SPEECH for path in sorted((shared / group).rglob("*"))
            if path.suffix in (".flac", ".wav")]
    return pd.DataFrame(rows)


SETS = {"open-dev": lambda s: _open_spoof("dev", s), "open-eval": lambda s: _open_spoof("eval", s),
        "ood-dev": _ood_dev, "demo-eval": _demo_eval, "asvspoof2019-samples": _samples, "shared-real": _shared_real}


def score(table: pd.DataFrame, model: str, results: Path) -> pd.DataFrame:
    """The set's `asdf score` records (scored now where missing), joined to its labels."""
    # float32: bf16 (the default on CPUs with native bf16) keeps every decision but moves scores, and so EERs,
    # slightly from one CPU to another; the card's figures should come out the same everywhere
    command = [str(Path(sys.executable).with_name("asdf")), "score", "-", "--model", model, "--out", str(results),
               "--resume", "--precision", "fp32"]
    print("$", " ".join(command), f"< ({len(table)} paths)", file=sys.stderr, flush=True)
    subprocess.run(command, input="\n".join(table["path"]) + "\n", text=True, check=False, cwd=PROJECT_ROOT)
    records = pd.read_csv(results)
    records["flags"] = records["flags"].map(lambda cell: json.loads(cell) if isinstance(cell, str) else [])
    return table.merge(records, on="path", how="left")


def _share(mask) -> str:
    return f"{np.mean(mask):.1%}" if len(mask) else "-"


def _eer(bonafide: pd.Series, spoof: pd.Series) -> str:
    return f"{compute_eer(bonafide, spoof).eer:.1%}" if len(bonafide) and len(spoof) else "-"


def summary_row(name: str, model: str, scored: pd.DataFrame) -> dict:
    """Pooled figures of one set and model."""
    bonafide, spoof = scored[scored["key"] == "bonafide"], scored[scored["key"] == "spoof"]
    row = {"set": name, "model": model, "bona fide": len(bonafide), "spoof": len(spoof),
           "EER": _eer(bonafide["score"], spoof["score"]),
           "real rejected": _share(bonafide["decision"] == "spoof"),
           "real undecided": _share(bonafide["decision"] == "undecided"),
           "fakes accepted": _share(spoof["decision"] == "bonafide"),
           "fakes undecided": _share(spoof["decision"] == "undecided")}
    if (scored["score_type"] == "llr").all() and len(bonafide) and len(spoof):
        row.update({"Cllr": f"{cllr(bonafide['score'], spoof['score']):.3f}",
                    "actDCF": f"{act_dcf(bonafide['score'], spoof['score']).dcf:.3f}",
                    "minDCF": f"{min_dcf(bonafide['score'], spoof['score']).dcf:.3f}"})
    return row


def per_attack(scored: pd.DataFrame, column: str) -> dict:
    """EER of each attack (or group) against all bona fide files of the set."""
    bonafide = scored[scored["key"] == "bonafide"]["score"]
    spoof = scored[scored["key"] == "spoof"]
    return {name: _eer(bonafide, part["score"]) for name, part in spoof.groupby(column)}


def ood_groups(scored: pd.DataFrame) -> list[dict]:
    """Per ood-dev group: its fakes against the real speech of the same group, or, for a group without real
    speech, of the groups recorded from the same corpus (LJSpeech or VCTK)."""
    corpus = scored["group"].map(lambda group: "vctk" if "vctk" in group else "ljspeech")
    rows = []
    for group, part in scored.groupby("group"):
        real = part[part["key"] == "bonafide"]
        if real.empty:
            real = scored[(scored["key"] == "bonafide") & (corpus == corpus[part.index[0]])]
        fakes = part[part["key"] == "spoof"]
        rows.append({"group": group, "real": len(real), "fakes": len(fakes), "EER": _eer(real["score"], fakes["score"]),
                     "real rejected": _share(real["decision"] == "spoof") if (part["key"] == "bonafide").any() else "",
                     "fakes accepted": _share(fakes["decision"] == "bonafide")})
    return rows


def open_corpus_breakdown(scored: pd.DataFrame) -> str:
    """Open corpus: EER per collected family, of the collected systems held out of training (pooled and the
    held-out family), and of the collected fakes against the real recordings of their own collections."""
    bonafide = scored[scored["key"] == "bonafide"]
    collected = scored[scored["family"] != "-"]
    held_out = collected[collected["unseen"]]
    lines = ["EER per collected family: " + ", ".join(f"{family} {_eer(bonafide['score'], part['score'])} "
                                                      f"({len(part)})" for family, part in collected.groupby("family")),
             f"Collected fakes pooled: EER {_eer(bonafide['score'], collected['score'])}, accepted "
             f"{_share(collected['decision'] == 'bonafide')} of {len(collected)}",
             f"Held-out collected systems pooled ({', '.join(sorted(held_out['attack'].unique()))}): EER "
             f"{_eer(bonafide['score'], held_out['score'])}, accepted {_share(held_out['decision'] == 'bonafide')} "
             f"of {len(held_out)}"]
    families = held_out.groupby("family").size()
    for family in families.index[families == collected.groupby("family").size()[families.index]]:
        part = held_out[held_out["family"] == family]
        lines.append(f"Held-out family {family} (all of it unseen): EER {_eer(bonafide['score'], part['score'])}")
    collections_real = bonafide[bonafide["group"].str.startswith("collections/")]
    lines.append(f"Collected fakes against the collections' own real recordings ({len(collections_real)}): EER "
                 f"{_eer(collections_real['score'], collected['score'])}")
    return "\n\n".join(lines) + "\n"


def reliability(scored: pd.DataFrame) -> list[dict]:
    """Posterior bins at the set's own bona fide share (the prior under which a calibrated posterior should
    match the observed frequency) against the observed share of bona fide files in each bin."""
    decided = scored.dropna(subset=["score"])
    share = float(np.mean(decided["key"] == "bonafide"))
    posterior = 1 / (1 + np.exp(-(decided["score"] + np.log(share / (1 - share)))))
    bins = np.clip(np.digitize(posterior, RELIABILITY_BINS[1:-1]), 0, len(RELIABILITY_BINS) - 2)
    rows = []
    for index in range(len(RELIABILITY_BINS) - 1):
        inside = bins == index
        if inside.any():
            rows.append({"posterior": f"{RELIABILITY_BINS[index]:.1f}-{RELIABILITY_BINS[index + 1]:.1f}",
                         "files": int(inside.sum()), "mean posterior": f"{posterior[inside].mean():.2f}",
                         "observed bona fide": f"{np.mean(decided['key'][inside] == 'bonafide'):.2f}"})
    return rows


def flags_on_real(scored: pd.DataFrame) -> str:
    """Which flags fired on real speech, and how often."""
    real = scored[scored["key"] == "bonafide"]
    counts = pd.Series([flag for flags in real["flags"] for flag in flags]).value_counts()
    flagged = real["flags"].map(bool).sum()
    detail = ", ".join(f"{flag} {count}" for flag, count in counts.items())
    return f"{flagged} of {len(real)} real files flagged ({flagged / max(len(real), 1):.1%}){': ' + detail if detail else ''}"


def markdown(rows: list[dict]) -> str:
    """A Markdown table of rows with the same keys."""
    if not rows:
        return "(none)\n"
    keys = list(dict.fromkeys(key for row in rows for key in row))
    lines = ["| " + " | ".join(keys) + " |", "|" + "---|" * len(keys)]
    lines += ["| " + " | ".join(str(row.get(key, "")) for key in keys) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    """Command line: score the sets and print the card's tables (also written to <out>/figures.md)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--models", nargs="+", default=[DEFAULT_MODEL, "aasist-official"],
                        help=f"models to score, the card's first (default {DEFAULT_MODEL} aasist-official)")
    parser.add_argument("--sets", nargs="+", default=list(SETS), choices=list(SETS), help="sets to score")
    parser.add_argument("--out", type=Path, default=PROJECT_ROOT / "output" / "model_card", help="results folder")
    args = parser.parse_args(argv)
    settings = Settings()
    args.out.mkdir(parents=True, exist_ok=True)
    models = args.models
    summary, sections = [], []
    for name in args.sets:
        table = SETS[name](settings)
        for model in models:
            scored = score(table, model, args.out / f"{name}.{Path(model).stem}.csv")
            summary.append(summary_row(name, model, scored))
            sections.append(f"### {name}, {model}\n\n{flags_on_real(scored)}\n")
            if (scored["key"] == "spoof").any() and scored["attack"].nunique() > 1:
                sections.append("EER per attack: " + ", ".join(f"{k} {v}" for k, v in per_attack(scored, "attack").items()) + "\n")
            if "unseen" in scored:
                sections.append(open_corpus_breakdown(scored))
            if name == "ood-dev":
                sections.append(markdown(ood_groups(scored)))
            elif (scored["key"] == "bonafide").any():
                real = scored[scored["key"] == "bonafide"]
                sections.append("Real speech rejected per group: " + ", ".join(
                    f"{group} {_share(part['decision'] == 'spoof')} of {len(part)}" for group, part in real.groupby("group")) + "\n")
            if (scored["score_type"] == "llr").all() and scored["key"].nunique() == 2:
                sections.append("Reliability of the posterior (at the set's own bona fide share):\n\n"
                                + markdown(reliability(scored)))
    text = "## Summary\n\n" + markdown(summary) + "\n" + "\n".join(sections)
    (args.out / "figures.md").write_text(text, encoding="utf-8")
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
