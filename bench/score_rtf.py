"""Real-time factor and peak memory of `asdf score` on one long file, for each model asked, side by side.

    python bench/score_rtf.py                          # 10 minutes, 44.1 kHz stereo FLAC, 50 % overlap: the
                                                       # shipped asdf-open, then the official AASIST, and the ratio
    python bench/score_rtf.py --minutes 60 --models aasist-official   # the 1-hour memory check (< 1 GB)
    python bench/score_rtf.py --models aasist-l-official --batch-size 4
    python bench/score_rtf.py --models asdf-open --precisions auto fp32   # bf16 (where native) against float32

The file is real speech from the shared data (LibriSpeech test-other) repeated to the length asked,
written block by block at the rate and channel count asked; without the shared data it is modulated
noise. `asdf score` runs as a child process, timed from start to exit (model loading included);
peak memory is the child's maximum resident set size, everything included (Python, torch, the model).
RTF = processing seconds / audio seconds: below 1 is faster than real time.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import soundfile
import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asdf.data.audio import read_audio, resample  # noqa: E402
from asdf.inference.scorers import PRECISIONS, default_shared_data, resolve_precision  # noqa: E402
from asdf.pretrained import DEFAULT_MODEL  # noqa: E402

BLOCK_SECONDS = 60


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=int, default=44100)
    parser.add_argument("--channels", type=int, default=2)
    parser.add_argument("--models", nargs="+", default=[DEFAULT_MODEL, "aasist-official"],
                        help="models timed one after the other on the same file (the last run is the reference)")
    parser.add_argument("--precisions", nargs="+", choices=PRECISIONS, default=["auto"],
                        help="--precision of asdf score, each model at each (default auto: bf16 on a CPU with "
                             "native bf16, else fp32)")
    parser.add_argument("--overlap", type=float, default=0.5)
    parser.add_argument("--batch-size", type=int, default=1)
    parser.add_argument("--file", type=Path, help="score this file instead of making one")
    return parser.parse_args(argv)


def source_speech(rate: int) -> np.ndarray:
    """A minute or so of real speech at `rate` (or modulated noise without the shared data)."""
    folder = default_shared_data() / "speech" / "librispeech" / "test-other"
    files = sorted(folder.rglob("*.flac"))[:12]
    if not files:
        time_axis = np.arange(rate * BLOCK_SECONDS) / rate
        return (0.1 * np.random.default_rng(0).standard_normal(time_axis.size) * np.sin(np.pi * 3 * time_axis) ** 2)
    return resample(np.concatenate([read_audio(path, 16000) for path in files]), 16000, rate)


def write_long_file(path: Path, minutes: float, rate: int, channels: int) -> float:
    """Write `minutes` of speech block by block (never the whole file in memory); returns seconds written."""
    speech = source_speech(rate)
    total = int(minutes * 60 * rate)
    with soundfile.SoundFile(path, "w", samplerate=rate, channels=channels, format="FLAC", subtype="PCM_16") as out:
        for start in range(0, total, speech.size):
            block = speech[: min(speech.size, total - start)]
            out.write(np.repeat(block[:, None], channels, axis=1))
    return total / rate


def run_score(path: Path, model: str, precision: str, args: argparse.Namespace,
              results: Path) -> tuple[float, float]:
    """(seconds, peak resident MB) of `asdf score` with `model` at `precision` on `path`."""
    command = [sys.executable, "-m", "asdf.cli.main", "score", str(path), "--model", model, "--device", "cpu",
               "--precision", precision,
               "--overlap", str(args.overlap), "--batch-size", str(args.batch_size), "--out", str(results), "--force"]
    start = time.perf_counter()
    child = subprocess.Popen(command, cwd=Path(__file__).resolve().parents[1])
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"asdf score --model {model} failed (exit status {os.waitstatus_to_exitcode(status)})")
    return seconds, usage.ru_maxrss / 1024


def main(argv=None) -> None:
    args = parse_args(argv)
    timings = {}
    with tempfile.TemporaryDirectory() as folder:
        path = args.file or Path(folder) / "long.flac"
        if args.file is None:
            audio_seconds = write_long_file(path, args.minutes, args.rate, args.channels)
        else:
            audio_seconds = soundfile.info(str(path)).duration
        for model in args.models:
            for precision in args.precisions:
                label = f"{model} ({resolve_precision(precision, torch.device('cpu'))})"
                timings[label] = run_score(path, model, precision, args, Path(folder) / "scores.jsonl")
    print(f"audio {audio_seconds / 60:.1f} min ({args.rate} Hz, {args.channels} ch), overlap {args.overlap}, "
          f"batch {args.batch_size}")
    reference_label = list(timings)[-1]
    reference = timings[reference_label][0]
    for label, (seconds, peak_mb) in timings.items():
        print(f"{label}: asdf score took {seconds:.1f} s: real-time factor {seconds / audio_seconds:.3f}, "
              f"{seconds / reference:.2f} x the time of {reference_label}; peak resident memory {peak_mb:.0f} MB")


if __name__ == "__main__":
    main()
