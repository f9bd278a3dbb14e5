"""Time asdf's AASIST against the official clovaai/aasist model on the same inputs, in the same run.

    python bench/aasist_speed.py --official /work/ext/aasist            # AASIST, CPU
    python bench/aasist_speed.py --model aasist-l --official PATH --skip-memory
    python bench/aasist_speed.py --official PATH --repeats 15 --skip-training --skip-memory   # forward only

Forward: eval mode, median seconds per utterance (ours under torch.inference_mode, the official model
under torch.no_grad as its own evaluation code runs it). Training step: train mode, forward + weighted
cross-entropy + backward, median seconds per step. Repeats of the two models are interleaved so that
load from other processes hits both alike. Peak memory: each model's training step runs once in a
fresh subprocess; on the CPU we report the growth of the process's peak resident memory over the step
(VmHWM in /proc/self/status: unlike ru_maxrss it does not carry the parent's peak into the child), on
CUDA the growth of torch.cuda.max_memory_allocated. Outputs are compared in eval mode (max abs difference).
With --keep-freed-memory glibc keeps freed memory for reuse in both models (by default it maps each large
block afresh, and every page of it faults; the official model allocates many more such blocks).
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asdf.base.settings import ModelSettings  # noqa: E402
from asdf.compute.allocator import keep_freed_memory  # noqa: E402
from asdf.models import build_model  # noqa: E402
from asdf.models.aasist import PRESETS  # noqa: E402

CLASS_WEIGHTS = torch.tensor([0.1, 0.9])


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="aasist", choices=sorted(PRESETS))
    parser.add_argument("--official", help="checkout of clovaai/aasist to time side by side")
    parser.add_argument("--samples", type=int, default=64600)
    parser.add_argument("--forward-batch", type=int, default=1)
    parser.add_argument("--train-batch", type=int, default=8)
    parser.add_argument("--memory-batch", type=int, default=24)
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per measurement (after 1 warm-up)")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--threads", type=int, default=0, help="torch intra-op threads (0: torch's default)")
    parser.add_argument("--precision", default="fp32", choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--compile", action="store_true", help="torch.compile our model")
    parser.add_argument("--skip-training", action="store_true", help="time the forward pass only")
    parser.add_argument("--keep-freed-memory", action="store_true",
                        help="glibc keeps freed memory for reuse (computing.keep_freed_memory), for both models")
    parser.add_argument("--skip-memory", action="store_true")
    parser.add_argument("--memory-child", choices=["ours", "official"], help=argparse.SUPPRESS)
    return parser.parse_args(argv)


def build_models(args) -> dict:
    """{'ours': model[, 'official': model]} with identical weights, on args.device."""
    ours = build_model(ModelSettings(name=args.model))
    models = {"ours": ours}
    if args.official:
        sys.path.insert(0, args.official)
        from models.AASIST import Model  # the official implementation, imported from its checkout

        official = Model(dict(PRESETS[args.model]))
        official.load_state_dict(ours.state_dict(), strict=True)
        models["official"] = official
    for model in models.values():
        model.to(args.device)
    if args.compile:
        models["ours"] = torch.compile(ours)
    return models


def autocast(args):
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(args.precision)
    return torch.autocast(torch.device(args.device).type, dtype=dtype, enabled=dtype is not None)


def synchronize(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def forward(name, model, waveforms, args):
    model.eval()
    grad_mode = torch.inference_mode() if name == "ours" else torch.no_grad()
    with grad_mode, autocast(args):
        return model(waveforms)


def train_step(name, model, waveforms, labels, args):
    model.train()
    model.zero_grad(set_to_none=True)
    with autocast(args):
        _, logits = model(waveforms)
        loss = F.cross_entropy(logits.float(), labels, weight=CLASS_WEIGHTS.to(logits.device))
    loss.backward()


def timed(models: dict, step, repeats: int, device: str) -> dict:
    """Median seconds of `step(name, model)` per model, repeats interleaved after one warm-up each."""
    times = {name: [] for name in models}
    for run in range(repeats + 1):
        for name, model in models.items():
            synchronize(device)
            start = time.perf_counter()
            step(name, model)
            synchronize(device)
            if run:
                times[name].append(time.perf_counter() - start)
    return {name: statistics.median(values) for name, values in times.items()}


def inputs(batch: int, args):
    generator = torch.Generator().manual_seed(batch)
    waveforms = 0.1 * torch.randn(batch, args.samples, generator=generator)
    labels = torch.randint(0, 2, (batch,), generator=generator)
    return waveforms.to(args.device), labels.to(args.device)


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("VmHWM:"))
    return int(line.split()[1]) / 1024


def memory_child(args) -> None:
    """Runs in a fresh process: one training step, prints its peak memory growth in MiB as JSON."""
    model = build_models(args)[args.memory_child]
    waveforms, labels = inputs(args.memory_batch, args)
    before = peak_rss_mib()
    if args.device.startswith("cuda"):
        torch.cuda.reset_peak_memory_stats()
        base = torch.cuda.memory_allocated()
    train_step(args.memory_child, model, waveforms, labels, args)
    if args.device.startswith("cuda"):
        peak = (torch.cuda.max_memory_allocated() - base) / 2**20
    else:
        peak = peak_rss_mib() - before
    print(json.dumps({"peak_mib": peak}))


def peak_memory(name: str, args) -> float:
    command = [sys.executable, __file__, "--memory-child", name, "--model", args.model, "--samples",
               str(args.samples), "--memory-batch", str(args.memory_batch), "--device", args.device,
               "--precision", args.precision, "--threads", str(args.threads)]
    if args.keep_freed_memory:
        command.append("--keep-freed-memory")
    if args.official:
        command += ["--official", args.official]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode:  # e.g. killed by the kernel for want of memory (-9): report it, keep the other figures
        print(f"{name} training step at batch {args.memory_batch} failed (exit status {result.returncode}): "
              f"{result.stderr.strip().splitlines()[-1:] or 'no message'}", flush=True)
        return float("nan")
    return json.loads(result.stdout.strip().splitlines()[-1])["peak_mib"]


def report(title: str, values: dict, unit: str, scale: float = 1.0) -> None:
    line = f"{title:<48}" + "  ".join(f"{name} {value * scale:9.3f} {unit}" for name, value in values.items())
    if "official" in values:
        line += f"  ratio official/ours {values['official'] / values['ours']:.2f}x"
    print(line, flush=True)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    if args.keep_freed_memory and not keep_freed_memory():
        raise SystemExit("--keep-freed-memory needs glibc (Linux)")
    if args.memory_child:
        memory_child(args)
        return
    models = build_models(args)
    allocator = "freed memory kept (mallopt)" if args.keep_freed_memory else "default allocator"
    print(f"{args.model} on {args.device}, {torch.get_num_threads()} threads, {args.precision}, {allocator}, "
          f"{args.samples} samples, median of {args.repeats} runs after a warm-up, torch {torch.__version__}")
    waveforms, _ = inputs(args.forward_batch, args)
    if "official" in models:
        outputs = {name: forward(name, model, waveforms, args) for name, model in models.items()}
        difference = max((a.float() - b.float()).abs().max().item() for a, b in zip(outputs["ours"], outputs["official"]))
        print(f"max abs difference of (hidden, logits), eval mode: {difference:.2e}")
    seconds = timed(models, lambda name, model: forward(name, model, waveforms, args), args.repeats, args.device)
    report(f"forward, batch {args.forward_batch}, per utterance", {k: v / args.forward_batch for k, v in seconds.items()}, "s")
    if not args.skip_training:
        waveforms, labels = inputs(args.train_batch, args)
        step = lambda name, model: train_step(name, model, waveforms, labels, args)  # noqa: E731
        report(f"training step (fwd+bwd), batch {args.train_batch}", timed(models, step, args.repeats, args.device), "s")
    if not args.skip_memory:
        memory = {name: peak_memory(name, args) for name in models}
        report(f"peak memory growth of a training step, batch {args.memory_batch}", memory, "MiB")


if __name__ == "__main__":
    main()
