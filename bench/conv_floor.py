"""The convolution floor of an AASIST training step on this machine: the step's convolutions alone, timed.

    python bench/conv_floor.py                      # AASIST, batch 8, 64,600 samples, fp32, CPU
    python bench/conv_floor.py --model aasist-l --batch 24

For every convolution of the residual blocks, at the shapes a training step on 64,600-sample inputs
gives it, this times the forward pass, the input gradient and the weight gradient as the training path
computes them (oneDNN's channels-last convolutions; on AVX2 CPUs without AVX-512, weight gradients as one matrix
product per kernel tap, and both ways of those are summed on a line of their own), once over whole
utterances and once over cache-sized tiles of time, and prints the sums. Convolutions of one input
channel are timed as the model computes them, as matrix products over patches; their backward call
gives both gradients, so their input-gradient column is that call's time minus the weight gradient's
alone. A training step made of these convolutions cannot take less than the smaller sum, whatever is
done with the rest of the work (BN, SELU, pooling, the graph stage); compare it with the step times of
`bench/aasist_speed.py`.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import torch
import torch.nn.functional as F

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from asdf.base.settings import ModelSettings  # noqa: E402
from asdf.models import build_model  # noqa: E402
from asdf.models.aasist_fast_inference import TILE_ELEMENTS  # noqa: E402  (output elements per tile)
from asdf.models.aasist_fast_ops import (  # noqa: E402
    conv2d, conv_backward, one_channel_conv_backward, weight_grad_by_products,
)

PASSES = ("forward", "input gradient", "weight gradient")


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default="aasist", choices=["aasist", "aasist-l"])
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--samples", type=int, default=64600)
    parser.add_argument("--repeats", type=int, default=3, help="timed repeats (median) after one warm-up")
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    return parser.parse_args(argv)


def convolutions(model, batch: int, samples: int) -> list:
    """(name, input shape, weight, padding) of each convolution of the residual blocks in a training step."""
    with torch.no_grad():
        frames = model.conv_time(torch.zeros(1, samples)).shape[-1]
    rows = model.conv_time.bands // 3
    found = []
    for index, sequential in enumerate(model.encoder):
        block = sequential[0]
        channels_in, channels_out = block.conv1.in_channels, block.conv1.out_channels
        found.append((f"block {index} conv1", (batch, channels_in, rows, frames), block.conv1.weight, (1, 1)))
        found.append((f"block {index} conv2", (batch, channels_out, rows + 1, frames), block.conv2.weight, (0, 1)))
        if block.conv_downsample is not None:
            found.append((f"block {index} conv_downsample", (batch, channels_in, rows, frames),
                          block.conv_downsample.weight, (0, 1)))
        frames //= 3
    return found


def pass_runners(shape, weight, padding) -> dict:
    """{pass name: function running it once} for one convolution over inputs of `shape`."""
    inputs = torch.randn(shape).contiguous(memory_format=torch.channels_last)
    weight = weight.detach().contiguous(memory_format=torch.channels_last)
    bias = torch.zeros(weight.shape[0])
    grad = F.conv2d(inputs, weight, bias, padding=padding).contiguous(memory_format=torch.channels_last)
    if shape[1] == 1:  # one input channel: matrix products over patches, as the model computes them
        return {"forward": lambda: conv2d(inputs, weight, bias, padding),
                "input gradient": lambda: one_channel_conv_backward(grad, inputs, weight, padding, True),
                "weight gradient": lambda: one_channel_conv_backward(grad, inputs, weight, padding, False)}

    def backward(mask):
        return lambda: torch.ops.aten.convolution_backward(
            grad, inputs, weight, [weight.shape[0]], [1, 1], list(padding), [1, 1], False, [0, 0], 1, mask)

    return {"forward": lambda: F.conv2d(inputs, weight, bias, padding=padding),
            "input gradient": backward([True, False, False]),
            "weight gradient": lambda: conv_backward(grad, inputs, weight, bias, padding, False),  # as training does
            "oneDNN": backward([False, True, True]),
            "products": lambda: weight_grad_by_products(grad, inputs, weight.shape, padding)}


def tiles(shape, weight) -> tuple:
    """(tile shape, number of tiles): whole utterances cut along time so one tile's output is ~TILE_ELEMENTS."""
    batch, _, rows, frames = shape
    tile_frames = max(3, TILE_ELEMENTS // (weight.shape[0] * (rows + 1)))
    if tile_frames >= frames:
        return shape, 1
    return (1, shape[1], rows, tile_frames + 2), batch * frames / tile_frames  # + the halo frames a tile reads


def median_seconds(run, repeats: int) -> float:
    run()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        run()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    model = build_model(ModelSettings(name=args.model))
    totals = {(layout, name): 0.0 for layout in ("whole", "tiled") for name in PASSES}
    weight_gradients = {"oneDNN": 0.0, "products": 0.0}  # multi-channel convolutions, whole utterances
    multiply_adds = 0
    print(f"{args.model}, batch {args.batch}, {args.samples} samples, fp32, {torch.get_num_threads()} threads")
    print(f"{'convolution':28s} {'input':>24s} " + " ".join(f"{name:>16s}" for name in PASSES) + "   (whole / tiled, s)")
    for name, shape, weight, padding in convolutions(model, args.batch, args.samples):
        tile_shape, count = tiles(shape, weight)
        whole, tiled = pass_runners(shape, weight, padding), pass_runners(tile_shape, weight, padding)
        seconds = {}
        for pass_name in PASSES:
            seconds["whole", pass_name] = median_seconds(whole[pass_name], args.repeats)
            seconds["tiled", pass_name] = median_seconds(tiled[pass_name], args.repeats) * count
        for layout in ("whole", "tiled"):
            if shape[1] == 1:
                gradients = seconds[layout, "input gradient"] - seconds[layout, "weight gradient"]
                seconds[layout, "input gradient"] = max(gradients, 0.0)
            for pass_name in PASSES:
                totals[layout, pass_name] += seconds[layout, pass_name]
        if shape[1] > 1:
            for method in weight_gradients:
                weight_gradients[method] += median_seconds(whole[method], args.repeats)
        cells = [f"{seconds['whole', name]:7.3f}/{seconds['tiled', name]:<7.3f}" for name in PASSES]
        out_rows = shape[2] + 2 * padding[0] - weight.shape[2] + 1
        multiply_adds += args.batch * weight.numel() * out_rows * shape[3]
        print(f"{name:28s} {str(list(shape)):>24s} " + " ".join(f"{cell:>16s}" for cell in cells))
    gflop = 3 * 2 * multiply_adds / 1e9  # each pass does the forward's multiply-adds
    for layout in ("whole", "tiled"):
        seconds = sum(totals[layout, name] for name in PASSES)
        parts = ", ".join(f"{name} {totals[layout, name]:.2f}" for name in PASSES)
        print(f"{layout:5s}: {seconds:.2f} s for {gflop:.0f} GFLOP ({gflop / seconds:.0f} GFLOP/s): {parts}")
    print(f"weight gradients of the multi-channel convolutions, whole utterances: oneDNN "
          f"{weight_gradients['oneDNN']:.2f} s, one product per tap {weight_gradients['products']:.2f} s "
          f"(training takes the second where ATen runs AVX2 kernels; here: {torch.backends.cpu.get_cpu_capability()})")
    best = min(sum(totals[layout, name] for name in PASSES) for layout in ("whole", "tiled"))
    print(f"convolution floor of a training step: {best:.2f} s "
          "(3x the official step needs the whole step below a third of its time in bench/aasist_speed.py)")


if __name__ == "__main__":
    main()
