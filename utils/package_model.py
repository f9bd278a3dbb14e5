"""Package a trained system as a shipped model: its weights, and the verdict calibrated on its dev list.

    python utils/package_model.py output/whisper-tiny-open            # writes asdf/pretrained/asdf-open.{pt,json}
    python utils/package_model.py output/aasist-l-open --name asdf-open-v1   # the first version, AASIST-L
    python utils/package_model.py output/whisper-tiny-open --name my-model --out /tmp/models

The dev files are scored exactly as `asdf score` scores them (4 s windows, 50 % overlap, mean), so that the
calibration maps the scores users will get. Then:
- calibration: prior-weighted logistic regression of the dev file scores (asdf.metrics.calibration);
- operating point: the LLR threshold that rejects `--bonafide-miss` of the dev bona fide files, stated as the
  bona fide prior whose Bayes decision it is (so the decision is always "posterior above 1/2");
- calibrated range: the dev file scores' range, widened by `--range-margin` of its width on each side.
The dev scores are written beside the weights (`<name>.dev-scores.csv`) for the model card.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import math
import sys
from pathlib import Path

import numpy as np
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asdf.base.errors import AsdfError  # noqa: E402
from asdf.base.fileio import atomic_write_json  # noqa: E402
from asdf.data.lists import read_utterance_list  # noqa: E402
from asdf.inference import ScoreOptions, score_files  # noqa: E402
from asdf.inference.scorers import load_scorer  # noqa: E402
from asdf.metrics.calibration import fit_calibration  # noqa: E402
from asdf.metrics.det import compute_eer  # noqa: E402
from asdf.models.model_files import read_checkpoint  # noqa: E402
from asdf.pretrained import DEFAULT_MODEL, SHIPPED_FOLDER, Verdict  # noqa: E402


def dev_scores(checkpoint: Path, paths: list[str]) -> np.ndarray:
    """Raw file scores (mean window logit) of `paths`, as `asdf score` gives them."""
    scorer = load_scorer(str(checkpoint), precision="fp32")  # the calibration must not depend on the CPU
    scores = []
    for result in score_files(paths, scorer, ScoreOptions()):
        record = result.records[0]
        if record["error"]:
            raise AsdfError(f"dev file could not be scored: {record['error']}")
        scores.append(record["score"])
    return np.array(scores)


def make_verdict(bonafide: np.ndarray, spoof: np.ndarray, bonafide_miss: float, range_margin: float,
                 source: str) -> Verdict:
    """The calibration, operating point and calibrated range from dev file scores."""
    calibration = fit_calibration(bonafide, spoof)
    threshold = float(np.quantile(calibration.apply(bonafide), bonafide_miss))
    prior = 1 / (1 + math.exp(threshold))  # the threshold is -log(prior / (1 - prior))
    everything = np.concatenate((bonafide, spoof))
    low, high = float(everything.min()), float(everything.max())
    margin = range_margin * (high - low)
    point = f"operating point rejecting {bonafide_miss:.0%} of the real dev speech"
    return Verdict(calibration, source, point, prior, (low - margin, high + margin))


def main(argv: list[str] | None = None) -> int:
    """Command line: package the system's checkpoint and print what was measured."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("system", type=Path, help="a recipe's output folder, e.g. output/aasist-l-open")
    parser.add_argument("--checkpoint", default="best", help="checkpoint under checkpoints/ (default best)")
    parser.add_argument("--dev-list", default="dev", help="list under lists/ to calibrate on (default dev)")
    parser.add_argument("--name", default=DEFAULT_MODEL, help=f"shipped model name (default {DEFAULT_MODEL})")
    parser.add_argument("--out", type=Path, default=SHIPPED_FOLDER, help="folder (default asdf/pretrained)")
    parser.add_argument("--bonafide-miss", type=float, default=0.01,
                        help="share of dev bona fide files the operating point rejects (default 0.01)")
    parser.add_argument("--range-margin", type=float, default=0.1,
                        help="calibrated range: the dev score range widened by this share of it on each side")
    args = parser.parse_args(argv)
    checkpoint = args.system / "checkpoints" / f"{args.checkpoint}.pt"
    dev = read_utterance_list(args.system / "lists" / f"{args.dev_list}.tsv")
    raw = dev_scores(checkpoint, list(dev["path"]))
    is_bonafide = (dev["key"] == "bonafide").to_numpy()
    source = (f"logistic regression on {is_bonafide.sum()} bona fide and {(~is_bonafide).sum()} spoof files of "
              f"{args.system.name}'s {args.dev_list} list (utils/package_model.py)")
    verdict = make_verdict(raw[is_bonafide], raw[~is_bonafide], args.bonafide_miss, args.range_margin, source)

    content = read_checkpoint(checkpoint)
    shipped = {"model": content["model"], "model_settings": content["model_settings"]}
    args.out.mkdir(parents=True, exist_ok=True)
    weights = args.out / f"{args.name}.pt"
    torch.save(shipped, weights)
    atomic_write_json(weights.with_suffix(".json"), {
        **verdict.to_json(), "system": args.system.name, "checkpoint": args.checkpoint,
        "checkpoint_sha256": hashlib.sha256(checkpoint.read_bytes()).hexdigest()})
    with open(args.out / f"{args.name}.dev-scores.csv", "w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(["utt_id", "key", "attack", "raw_score", "llr"])
        llrs = verdict.calibration.apply(raw)
        for row, score, llr in zip(dev.itertuples(), raw, llrs):
            writer.writerow([row.utt_id, row.key, row.attack, f"{score:.6f}", f"{llr:.6f}"])
    threshold = -math.log(verdict.prior / (1 - verdict.prior))
    eer = compute_eer(raw[is_bonafide], raw[~is_bonafide]).eer
    print(f"{weights}: {weights.stat().st_size / 1e6:.2f} MB; dev EER {eer:.2%}; llr = {verdict.calibration.scale:.4f}"
          f" x score + {verdict.calibration.offset:.4f}; operating point LLR > {threshold:.3f} (prior "
          f"{verdict.prior:.3f}): {np.mean(llrs[is_bonafide] <= threshold):.2%} of dev bona fide rejected, "
          f"{np.mean(llrs[~is_bonafide] > threshold):.2%} of dev spoofs accepted; range {verdict.raw_range}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
