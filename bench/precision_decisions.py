"""What bf16 scoring changes: file scores and decisions of a model in bf16 against float32, set by set.

    python bench/precision_decisions.py                       # asdf-open on the model card's evaluation sets
    python bench/precision_decisions.py --sets ood-dev --model aasist-official

Every file of each set (the sets of utils/model_card_figures.py) is scored twice in one process, in float32
and in bf16 without the float32 recheck, with `asdf score`'s defaults. Printed per set: the largest and the
99th-percentile difference of the file scores, the decisions bf16 alone would change, the files `asdf score`
rescores in float32 (decided within RECHECK_MARGIN of a boundary), and the time of each pass. A decision that
bf16 alone changes lies within RECHECK_MARGIN of its boundary, so `asdf score` takes it in float32 instead:
the check below fails loudly if that ever does not hold.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import sys
import time
from pathlib import Path

import numpy as np

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))
from asdf.base.settings import Settings  # noqa: E402
from asdf.inference import ScoreOptions, load_scorer  # noqa: E402
from asdf.inference.file_records import decision_margin  # noqa: E402
from asdf.inference.pipeline import RECHECK_MARGIN, score_files  # noqa: E402
from asdf.inference.scorers import native_bf16_cpu, verdict_options  # noqa: E402
from asdf.pretrained import DEFAULT_MODEL  # noqa: E402

NEAR = 2.0  # score units: the files whose error matters, those near the threshold
EVALUATION_SETS = ["open-eval", "ood-dev", "demo-eval", "asvspoof2019-samples", "shared-real"]


def card_sets():
    """The set readers of utils/model_card_figures.py (a script, not a package)."""
    spec = importlib.util.spec_from_file_location("model_card_figures", PROJECT_ROOT / "utils" / "model_card_figures.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.SETS


def scored(paths: list[str], scorer, options: ScoreOptions) -> tuple[dict, float]:
    """({path: record} of the files that scored, seconds taken)."""
    start = time.perf_counter()
    records = {record["path"]: record for result in score_files(paths, scorer, options)
               for record in result.records if record["error"] is None}
    return records, time.perf_counter() - start


def compare_set(name: str, paths: list[str], model: str) -> bool:
    """Print one set's line; False when a decision bf16 changes lay outside the recheck margin."""
    bf16 = load_scorer(model, "cpu", precision="bf16")
    bf16_alone = dataclasses.replace(bf16, float32=None)
    options = ScoreOptions(**verdict_options(bf16))
    exact, fp32_seconds = scored(paths, bf16.float32, options)
    reduced, bf16_seconds = scored(paths, bf16_alone, options)
    common = sorted(set(exact) & set(reduced))
    differences = np.array([abs(exact[path]["score"] - reduced[path]["score"]) for path in common])
    changed = [path for path in common if exact[path]["decision"] != reduced[path]["decision"]]
    rescored = [path for path in common if decision_margin(_raw_logits(reduced[path], options), options)
                < RECHECK_MARGIN]
    missed = sorted(set(changed) - set(rescored))
    near = np.array([abs(exact[path]["score"] - exact[path]["threshold"]) < NEAR for path in common])
    near_text = f"{differences[near].max():.4f} over {near.sum()} files" if near.any() else "no such file"
    print(f"{name}: {len(common)} files; |bf16 - fp32| max {differences.max():.4f}, 99th percentile "
          f"{np.quantile(differences, 0.99):.4f}, max within {NEAR} of the threshold {near_text}; decisions bf16 alone changes {len(changed)}, all within the "
          f"recheck margin: {not missed}; rescored in fp32 by asdf score {len(rescored)} "
          f"({len(rescored) / len(common):.1%}); time fp32 {fp32_seconds:.0f} s, bf16 {bf16_seconds:.0f} s "
          f"({fp32_seconds / bf16_seconds:.2f}x)", flush=True)
    for path in missed:
        print(f"  decision changed outside the margin: {path}", flush=True)
    return not missed


def _raw_logits(record: dict, options: ScoreOptions) -> np.ndarray:
    """The model's window logits behind a record's reported (perhaps calibrated) window scores."""
    scores = np.asarray(record["window_scores"])
    calibration = options.calibration
    return scores if calibration is None else (scores - calibration.offset) / calibration.scale


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--sets", nargs="+", default=EVALUATION_SETS)
    args = parser.parse_args(argv)
    sets, settings = card_sets(), Settings()
    print(f"{args.model}; CPU native bf16: {native_bf16_cpu()}; recheck margin {RECHECK_MARGIN}",
          flush=True)
    results = [compare_set(name, list(sets[name](settings)["path"]), args.model) for name in args.sets]
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
