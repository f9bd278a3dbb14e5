"""Peak memory of one SSL-AASIST fine-tuning step (XLS-R 300M + AASIST back end) per batch size.

    python bench/ssl_memory.py --device cuda --batches 2 4 8 14 24      # on a GPU server
    python bench/ssl_memory.py --device cpu --batches 1 2 4              # what a CPU can show

Each configuration (batch size x precision x gradient checkpointing) runs in a fresh process: forward,
weighted cross-entropy, backward and an Adam step with the published settings, on 64,600-sample inputs.
The SSL model is XLS-R 300M's architecture (24 layers, width 1024) with random weights unless --ssl-model
names a local folder: memory does not depend on the weight values, so no download is needed. Reported: on
CUDA the peak of torch.cuda.max_memory_allocated over the step (weights, gradients and Adam state
included); on the CPU the growth of the process's peak resident memory over model building and the step.
"""

from __future__ import annotations

import argparse
import itertools
import json
import subprocess
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from asdf.models.ssl import SSLFrontEnd, load_ssl_model  # noqa: E402
from asdf.models.ssl_aasist import PRESET, SSLAASIST  # noqa: E402

# facebook/wav2vec2-xls-r-300m's architecture (its config.json), the weights of fairseq's xlsr2_300m.pt
XLSR_300M = dict(hidden_size=1024, num_hidden_layers=24, num_attention_heads=16, intermediate_size=4096,
                 conv_dim=(512,) * 7, conv_bias=True, do_stable_layer_norm=True, feat_extract_norm="layer",
                 num_conv_pos_embeddings=128, num_conv_pos_embedding_groups=16, apply_spec_augment=False,
                 layerdrop=0.1, hidden_act="gelu")
CLASS_WEIGHTS = [0.1, 0.9]


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--batches", type=int, nargs="+", default=[2, 4, 8, 14])
    parser.add_argument("--samples", type=int, default=64600)
    parser.add_argument("--precisions", nargs="+", default=["fp32", "bf16"], choices=["fp32", "bf16", "fp16"])
    parser.add_argument("--ssl-model", default="", help="local transformers folder (default: XLS-R 300M, random)")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # JSON of one configuration, run in a fresh process
    return parser.parse_args(argv)


def peak_rss_mib() -> float:
    """This process's peak resident memory so far (Linux)."""
    with open("/proc/self/status") as status:
        return int(next(line for line in status if line.startswith("VmHWM:")).split()[1]) / 1024


def build(args, checkpointing: bool) -> torch.nn.Module:
    if args.ssl_model:
        ssl_model = load_ssl_model(args.ssl_model)
    else:
        from transformers import Wav2Vec2Config, Wav2Vec2Model

        ssl_model = Wav2Vec2Model(Wav2Vec2Config(**XLSR_300M))
    return SSLAASIST(SSLFrontEnd(ssl_model, gradient_checkpointing=checkpointing), **PRESET)


def child(args) -> None:
    """One training step of one configuration; prints {'peak_mib', 'step_s'} as JSON."""
    config = json.loads(args.child)
    device = torch.device(args.device)
    before = peak_rss_mib()
    torch.manual_seed(0)
    model = build(args, config["checkpointing"]).to(device).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-6, weight_decay=1e-4)
    waveforms = 0.1 * torch.randn(config["batch"], args.samples, device=device)
    labels = torch.randint(0, 2, (config["batch"],), device=device)
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16}.get(config["precision"])
    scaler = torch.amp.GradScaler(device.type, enabled=config["precision"] == "fp16")
    if device.type == "cuda":
        torch.cuda.reset_peak_memory_stats(device)
    start = time.perf_counter()
    with torch.autocast(device.type, dtype=dtype, enabled=dtype is not None):
        _, logits = model(waveforms)
        loss = F.cross_entropy(logits.float(), labels, weight=torch.tensor(CLASS_WEIGHTS, device=device))
    scaler.scale(loss).backward()
    scaler.step(optimizer)
    scaler.update()
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        peak = torch.cuda.max_memory_allocated(device) / 2**20
    else:
        peak = peak_rss_mib() - before
    print(json.dumps({"peak_mib": peak, "step_s": time.perf_counter() - start}))


def measure(args, config: dict) -> dict:
    """Run one configuration in a fresh process; its figures, or the reason it failed (e.g. out of memory)."""
    command = [sys.executable, __file__, "--device", args.device, "--samples", str(args.samples),
               "--child", json.dumps(config)]
    if args.ssl_model:
        command += ["--ssl-model", args.ssl_model]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        return {"error": (result.stderr.strip().splitlines() or ["failed"])[-1][:80]}
    return json.loads(result.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.child:
        child(args)
        return
    name = args.ssl_model or "XLS-R 300M architecture (random weights)"
    print(f"SSL-AASIST fine-tuning step, {name}, {args.samples} samples, device {args.device}, "
          f"torch {torch.__version__}; peak memory in GiB ({'max allocated' if args.device.startswith('cuda') else 'peak RSS growth'})")
    print("| batch | precision | gradient checkpointing | peak memory (GiB) | step (s) |")
    print("|---:|---|---|---:|---:|")
    for batch, precision, checkpointing in itertools.product(args.batches, args.precisions, (False, True)):
        figures = measure(args, {"batch": batch, "precision": precision, "checkpointing": checkpointing})
        if "error" in figures:
            print(f"| {batch} | {precision} | {'on' if checkpointing else 'off'} | failed: {figures['error']} | |", flush=True)
            continue
        print(f"| {batch} | {precision} | {'on' if checkpointing else 'off'} | {figures['peak_mib'] / 1024:.2f} | "
              f"{figures['step_s']:.1f} |", flush=True)


if __name__ == "__main__":
    main()
