"""Full-length scoring: length-bucketed batches against scoring the same files one by one.

    python bench/scoring_throughput.py                       # 48 files of 1-30 s, AASIST, CPU or first GPU
    python bench/scoring_throughput.py --model aasist-l --files 24 --device cpu

Both passes use the same loader and model (random weights: only speed and agreement matter). One by one: each
file alone at its full length. Bucketed: `eval.input='full'` batches (similar lengths together, each cut by at
most --max-cut of its length to its batch's shortest length, never padded). Agreement is checked twice: against
the one-by-one full-length scores (differences come from the cut only) and, for --check files, against
one-by-one scores of exactly the cut inputs (must agree within 1e-4: batching itself changes nothing).
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import numpy as np
import soundfile
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asdf.base.settings import ModelSettings, Settings  # noqa: E402
from asdf.data.batches import ScoringBatch, bucketed_batches  # noqa: E402
from asdf.inference.utterance_scoring import score_batches  # noqa: E402
from asdf.models import build_model  # noqa: E402

logger = logging.getLogger("asdf.bench")
SAMPLE_RATE = 16000


def parse_args(argv=None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="aasist", choices=["aasist", "aasist-l", "rawnet2"])
    parser.add_argument("--files", type=int, default=48)
    parser.add_argument("--min-seconds", type=float, default=1.0)
    parser.add_argument("--max-seconds", type=float, default=30.0)
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--max-cut", type=float, default=0.05)
    parser.add_argument("--max-batch-seconds", type=float, default=240.0)
    parser.add_argument("--check", type=int, default=6, help="files re-scored alone at their cut length")
    parser.add_argument("--device", default="auto", help="'auto', 'cpu' or 'cuda:N'")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--workers", type=int, default=1)
    return parser.parse_args(argv)


def write_files(folder: Path, count: int, low: float, high: float) -> tuple[list[str], np.ndarray]:
    """`count` noisy-tone flac files with lengths spread evenly over [low, high] seconds, in shuffled order."""
    rng = np.random.default_rng(0)
    lengths = rng.permutation(np.linspace(low * SAMPLE_RATE, high * SAMPLE_RATE, count).astype(int))
    paths = []
    for index, length in enumerate(lengths):
        time_axis = np.arange(length) / SAMPLE_RATE
        waveform = 0.3 * np.sin(2 * np.pi * rng.uniform(100, 300) * time_axis) + 0.05 * rng.standard_normal(length)
        paths.append(str(folder / f"utt_{index:03d}.flac"))
        soundfile.write(paths[-1], waveform.astype(np.float32), SAMPLE_RATE)
    return paths, lengths


def bench_settings(arguments: argparse.Namespace) -> Settings:
    """Settings that score with the loader and precision asked for."""
    settings = Settings()
    settings.computing.network_dataloader_workers = arguments.workers
    settings.computing.precision = arguments.precision
    settings.training.progress_interval_s = 1e9  # no progress lines in the bench output
    return settings


def main(argv=None) -> None:
    """Score one by one and bucketed; print throughput, speed-up and agreement."""
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    arguments = parse_args(argv)
    device = torch.device(arguments.device if arguments.device != "auto" else
                          ("cuda" if torch.cuda.is_available() else "cpu"))
    torch.manual_seed(0)
    model = build_model(ModelSettings(name=arguments.model)).to(device).eval()
    settings = bench_settings(arguments)
    with tempfile.TemporaryDirectory() as folder:
        paths, lengths = write_files(Path(folder), arguments.files, arguments.min_seconds, arguments.max_seconds)
        alone = [ScoringBatch((index,), max(int(length), model.min_samples)) for index, length in enumerate(lengths)]
        buckets = bucketed_batches(lengths, arguments.batch_size, arguments.max_cut,
                                   int(arguments.max_batch_seconds * SAMPLE_RATE), model.min_samples)
        score_batches(model, paths, buckets[:1], settings, device)  # warm-up (allocator, kernels)
        one_by_one = score_batches(model, paths, alone, settings, device, label="one by one")
        bucketed = score_batches(model, paths, buckets, settings, device, label="bucketed")
        cut_alone = [ScoringBatch((index,), batch.samples) for batch in buckets for index in batch.indices]
        checked = score_batches(model, paths, cut_alone[: arguments.check], settings, device, label="check")
    report(arguments, device, len(buckets), one_by_one, bucketed, checked, cut_alone[: arguments.check])


def report(arguments, device, bucket_count, one_by_one, bucketed, checked, checked_batches) -> None:
    """Print the figures."""
    indices = sorted(batch.indices[0] for batch in checked_batches)  # checked.scores are in index order
    batching_difference = np.abs(bucketed.scores[indices] - checked.scores).max()
    cut_difference = np.abs(bucketed.scores - one_by_one.scores)
    logger.info("model %s on %s, %d files of %.0f-%.0f s, %d buckets (batch <= %d, cut <= %.0f%%)",
                arguments.model, device, arguments.files, arguments.min_seconds, arguments.max_seconds,
                bucket_count, arguments.batch_size, 100 * arguments.max_cut)
    logger.info("one by one, full length: %s", one_by_one.throughput())
    logger.info("bucketed:                %s", bucketed.throughput())
    logger.info("speed-up: %.2fx", one_by_one.seconds / bucketed.seconds)
    logger.info("bucketed vs one by one on the same cut inputs (%d files): max |difference| %.2e",
                len(indices), batching_difference)
    logger.info("bucketed vs one by one at full length: max |difference| %.3f, median %.3f (the cut's effect)",
                cut_difference.max(), float(np.median(cut_difference)))


if __name__ == "__main__":
    main()
