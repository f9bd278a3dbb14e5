"""AASIST: official weights and outputs, input lengths, the published model read alone, and the fast one against it."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from asdf.base.settings import ModelSettings
from asdf.data.audio import fit_length, read_audio
from asdf.models import aasist, aasist_fast_inference, aasist_fast_ops, aasist_fast_training, build_model
from asdf.models.aasist import AASIST, PRESETS, ResidualBlock, SincFrontEnd
from asdf.models.aasist_fast import FastAASIST, FastResidualBlock, FastSincFrontEnd
from asdf.models.model_files import load_model_weights
from tests.conftest import REPO_ROOT

OFFICIAL = {"aasist": ("AASIST", 297_866), "aasist-l": ("AASIST-L", 85_306)}


@pytest.fixture(scope="module", params=sorted(OFFICIAL))
def pretrained(request, shared_data):
    """(official file tag, model with the official weights, eval mode)."""
    tag, _ = OFFICIAL[request.param]
    model = build_model(ModelSettings(name=request.param))
    load_model_weights(model, shared_data / "pretrained" / "aasist" / f"{tag}.pth")
    return tag, model.eval()


@pytest.mark.parametrize("name", sorted(OFFICIAL))
def test_parameter_counts_are_the_published_ones(name):
    model = build_model(ModelSettings(name=name))
    assert sum(p.numel() for p in model.parameters()) == OFFICIAL[name][1]


def _assert_reproduces_reference(model, tag, reference, indices) -> set:
    """Checks the model's outputs on the reference inputs `indices`; returns the input lengths seen."""
    lengths = set()
    with torch.inference_mode():
        for index in indices:
            waveform = torch.from_numpy(reference[f"input_{index:02d}"])[None]
            lengths.add(waveform.shape[1])
            hidden, logits = model(waveform)
            np.testing.assert_allclose(logits[0].numpy(), reference[f"{tag}_logits_{index:02d}"], rtol=0, atol=1e-4)
            np.testing.assert_allclose(hidden[0].numpy(), reference[f"{tag}_hidden_{index:02d}"], rtol=0, atol=1e-4)
    return lengths


def test_official_outputs_are_reproduced(pretrained, shared_data):
    tag, model = pretrained
    reference = np.load(shared_data / "reference" / "aasist_parity.npz")
    lengths = _assert_reproduces_reference(model, tag, reference, range(len(reference["names"])))
    assert len(lengths) == 3  # fixed-length crops and two whole files


def test_published_model_loads_the_official_weights_and_reproduces_its_outputs(shared_data):
    model = AASIST(**PRESETS["aasist"])
    load_model_weights(model, shared_data / "pretrained" / "aasist" / "AASIST.pth")
    reference = np.load(shared_data / "reference" / "aasist_parity.npz")
    crop, whole = 0, [str(name).endswith("#full") for name in reference["names"]].index(True)
    lengths = _assert_reproduces_reference(model.eval(), "AASIST", reference, [crop, whole])
    assert len(lengths) == 2


# loads asdf/models/aasist.py as a file of its own, runs a training step and an inference, prints the asdf modules
PUBLISHED_ALONE = """
import importlib.util, sys
import torch
spec = importlib.util.spec_from_file_location("published_aasist", sys.argv[1])
published = importlib.util.module_from_spec(spec)
spec.loader.exec_module(published)
model = published.AASIST(**published.PRESETS["aasist"])
model(torch.randn(2, model.min_samples))[1].sum().backward()
with torch.inference_mode():
    model.eval()(torch.randn(2, model.min_samples))
print(" ".join(name for name in sys.modules if name.startswith("asdf")))
"""
OFFICIAL_BRANCH_LAYERS = ("HtrgGAT_layer_ST11", "HtrgGAT_layer_ST12", "HtrgGAT_layer_ST21", "HtrgGAT_layer_ST22",
                          "pool_hS1", "pool_hT1", "pool_hS2", "pool_hT2")


def test_published_model_runs_without_any_fast_module():
    run = subprocess.run([sys.executable, "-c", PUBLISHED_ALONE, aasist.__file__], cwd=REPO_ROOT,
                         capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr[-3000:]
    assert not [name for name in run.stdout.split() if name.startswith("asdf.models.aasist_fast")]


def test_published_model_source_imports_no_fast_module_and_names_the_official_layers():
    source = Path(aasist.__file__).read_text(encoding="utf-8")
    imported = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imported += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            imported += [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
    assert not [name for name in imported if "aasist_fast" in name]
    # layers are named where they are used, so that grep finds the official names
    assert "getattr(" not in source
    for name in OFFICIAL_BRANCH_LAYERS:
        assert source.count(f"self.{name}") == 2, name  # where it is made and where it is used


# 2184 filter outputs fill whole blocks of 24; 2187, 2188 and 2189 leave remainders 0, 1 and 2 to the pooling by 3
@pytest.mark.parametrize("samples", [2312, 2315, 2316, 2317])
def test_fast_sinc_front_end_matches_the_published_one(samples):
    fast, published = FastSincFrontEnd(70, 128).double(), SincFrontEnd(70, 128).double()
    waveforms = torch.randn(2, samples, dtype=torch.float64)
    torch.testing.assert_close(fast(waveforms), published(waveforms), rtol=1e-9, atol=1e-12)


def test_batching_does_not_change_scores(rng):
    model = build_model(ModelSettings(name="aasist-l")).eval()
    waveforms = torch.from_numpy(rng.standard_normal((3, 6000)).astype(np.float32))
    with torch.inference_mode():
        together = model(waveforms)[1]
        alone = torch.cat([model(w[None])[1] for w in waveforms])
    torch.testing.assert_close(together, alone, rtol=0, atol=1e-5)


def test_shortest_input_works_and_shorter_is_refused():
    model = build_model(ModelSettings(name="aasist-l")).eval()
    with torch.inference_mode():
        hidden, logits = model(torch.randn(2, model.min_samples))
    assert hidden.shape == (2, 160) and logits.shape == (2, 2)
    with pytest.raises(ValueError, match=str(model.min_samples)):
        model(torch.randn(1, model.min_samples - 1))


def _fast_and_published(channels, seed=0):
    """A fast block and a published block (the reference) with the same random weights, in float64."""
    torch.manual_seed(seed)
    fast = FastResidualBlock(*channels).double()
    for statistic in (fast.bn2.running_mean, fast.bn2.running_var):
        statistic.uniform_(0.5, 1.5)  # folded into conv1 in eval, so make them matter
    published = ResidualBlock(*channels).double()
    published.load_state_dict(fast.state_dict())
    return fast, published


@pytest.mark.parametrize("channels", [(1, 8), (8, 8), (8, 12)])
@pytest.mark.parametrize("frames", [47, 48, 49])  # remainders 2, 0, 1 of the pooling by 3
# tiles of 3 frames (every tile edge is exercised), and of 6 frames with a shorter last tile in its reused buffers
@pytest.mark.parametrize("tile_elements", [1, 600])
def test_tiled_inference_block_matches_the_published_block(channels, frames, tile_elements, monkeypatch):
    monkeypatch.setattr(aasist_fast_inference, "TILE_ELEMENTS", tile_elements)
    fast, published = (block.eval() for block in _fast_and_published(channels))
    # inputs down to -4: the one-channel block folds its downsample in through a channel shifted positive
    x = torch.randn(2, channels[0], 5, frames, dtype=torch.float64) - 1
    with torch.inference_mode():
        torch.testing.assert_close(fast(x), published(x), rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("channels", [(1, 8), (8, 12)])
def test_eval_block_under_autograd_matches_the_published_block(channels):
    # autograd in eval mode (e.g. saliency maps) takes neither tiles nor the training function
    fast, published = (block.eval() for block in _fast_and_published(channels))
    x = torch.randn(2, channels[0], 5, 47, dtype=torch.float64, requires_grad=True)
    fast_out, published_out = fast(x), published(x)
    torch.testing.assert_close(fast_out, published_out, rtol=1e-9, atol=1e-10)
    gradients = [torch.autograd.grad(out.square().sum(), x)[0] for out in (fast_out, published_out)]
    torch.testing.assert_close(*gradients, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("channels", [(1, 8), (8, 8), (8, 12)])
def test_training_block_matches_the_published_block(channels, monkeypatch):
    monkeypatch.setattr(aasist_fast_training, "CHUNK_ELEMENTS", 1)  # one row per chunk: the chunked paths run
    x = torch.randn(3, channels[0], 5, 47, dtype=torch.float64)
    results = []
    for block in (block.train() for block in _fast_and_published(channels)):
        inputs = x.clone().requires_grad_()
        out = block(inputs)
        (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum().backward()
        results.append([out, inputs.grad] + [p.grad for p in block.parameters() if p.grad is not None]
                       + [block.bn2.running_mean, block.bn2.running_var])
    learnt = [name for name, _ in block.named_parameters() if not name.startswith("bn1.")]  # bn1 is unused
    assert len(results[0]) == len(results[1]) == 2 + len(learnt) + 2  # output, input gradient, ..., statistics
    for ours, expected in zip(*results):
        torch.testing.assert_close(ours, expected, rtol=1e-9, atol=1e-10)


def test_training_block_sends_a_tied_maximum_s_gradient_to_its_first_frame_as_max_pooling_does(monkeypatch):
    monkeypatch.setattr(aasist_fast_training, "CHUNK_ELEMENTS", 1)
    windows = torch.randn(3, 8, 5, 16, 3, dtype=torch.float64)  # 16 pooling windows of 3 frames
    top = windows.amax(-1) + 1
    for first_window, tied_frames in enumerate([[0, 1], [1, 2], [0, 2], [0, 1, 2]]):
        for frame in tied_frames:
            windows[..., first_window::4, frame] = top[..., first_window::4]
    results = []
    for block in (block.train() for block in _fast_and_published((8, 8))):
        torch.nn.init.zeros_(block.conv2.weight)  # the block's sum before pooling is its input (plus a bias)
        inputs = windows.flatten(-2).requires_grad_()
        out = block(inputs)
        (out * torch.linspace(-1, 1, out.numel(), dtype=out.dtype).view_as(out)).sum().backward()
        results.append([out, inputs.grad, block.conv2.weight.grad])
    for ours, expected in zip(*results):
        torch.testing.assert_close(ours, expected, rtol=1e-9, atol=1e-10)


@pytest.mark.parametrize("batch, in_channels, out_channels, rows, frames, kernel, padding", [
    (3, 8, 8, 6, 40, (2, 3), (0, 1)),  # conv2
    (2, 8, 12, 5, 31, (2, 3), (1, 1)),  # conv1: a padded row above and below
    (2, 8, 12, 5, 9, (1, 3), (0, 1)),  # conv_downsample
    (1, 4, 4, 2, 3, (2, 3), (1, 1)),  # every frame an edge frame
])
def test_weight_gradients_by_products_are_the_convolution_library_ones(batch, in_channels, out_channels, rows,
                                                                      frames, kernel, padding):
    inputs = torch.randn(batch, in_channels, rows, frames, dtype=torch.float64).contiguous(
        memory_format=torch.channels_last)
    weight = torch.randn(out_channels, in_channels, *kernel, dtype=torch.float64)
    grad = torch.randn_like(F.conv2d(inputs, weight, padding=padding)).contiguous(memory_format=torch.channels_last)
    expected = torch.ops.aten.convolution_backward(grad, inputs, weight, [out_channels], [1, 1], list(padding),
                                                   [1, 1], False, [0, 0], 1, [False, True, True])[1:]
    for ours, reference in zip(aasist_fast_ops.weight_grad_by_products(grad, inputs, weight.shape, padding), expected):
        torch.testing.assert_close(ours, reference, rtol=1e-10, atol=1e-10)


def _fast_and_published_models(name):
    """FastAASIST and the published AASIST `name`, the same random weights, float32."""
    torch.manual_seed(0)
    fast = FastAASIST(**PRESETS[name])
    published = AASIST(**PRESETS[name])
    published.load_state_dict(fast.state_dict())
    return fast, published


def test_fast_model_keeps_the_published_eval_outputs(rng):
    fast, published = (model.eval() for model in _fast_and_published_models("aasist-l"))
    assert isinstance(fast.conv_time, FastSincFrontEnd) and type(published.conv_time) is SincFrontEnd
    assert isinstance(fast.encoder[0][0], FastResidualBlock) and type(published.encoder[0][0]) is ResidualBlock
    waveforms = torch.from_numpy(rng.standard_normal((2, 8000)).astype(np.float32))
    with torch.inference_mode():
        outputs = [model(waveforms) for model in (fast, published)]
    for ours, expected in zip(*outputs):  # hidden, logits: float32 rounding apart
        torch.testing.assert_close(ours, expected, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("avx2_only", [False, True], ids=["oneDNN weight gradients", "weight gradients by products"])
def test_fast_model_keeps_the_published_training_gradients(rng, avx2_only, monkeypatch):
    monkeypatch.setattr(aasist_fast_ops, "_avx2_only", lambda: avx2_only)  # the path of a CPU with or without AVX-512
    models = [model.train() for model in _fast_and_published_models("aasist-l")]
    waveforms = torch.from_numpy(rng.standard_normal((2, 8000)).astype(np.float32))
    results = []
    for model in models:
        torch.manual_seed(1)  # the same dropout masks
        _, logits = model(waveforms)
        F.cross_entropy(logits, torch.tensor([0, 1])).backward()
        results.append({name: p.grad for name, p in model.named_parameters() if p.grad is not None})
    assert results[0].keys() == results[1].keys() and "encoder.0.0.conv1.weight" in results[0]
    # float32 BN statistics over ~10^5 positions: the two sum in different orders, a few 1e-3 apart in the first
    # blocks; the floor covers biases just before a BN, whose gradient is zero but for rounding
    for name, grad in results[0].items():
        expected = results[1][name]
        assert (grad - expected).norm() <= 2e-2 * expected.norm() + 1e-4, name


def test_bf16_autocast_training_step():
    model = build_model(ModelSettings(name="aasist-l")).train()
    waveforms = torch.randn(2, 4000)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        _, logits = model(waveforms)
        loss = F.cross_entropy(logits.float(), torch.tensor([0, 1]))
    loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert torch.isfinite(loss) and all(g.dtype == torch.float32 and torch.isfinite(g).all() for g in grads)
    assert model.encoder[0][0].conv2.weight.grad.abs().sum() > 0


# real inputs of both kinds, each decided with a clear margin by the official AASIST on its first 2 seconds
BF16_INPUTS = ("asvspoof2019-la-samples/LA_T_1272637.flac", "asvspoof2019-la-samples/LA_D_1003356.flac",
               "asvspoof2019-la-samples/LA_E_6163791.flac", "speech/librispeech/test-other/2414/2414-128291-0002.flac",
               "speech/arctic/arctic_a0009.wav", "vocoded/wavefake-ljspeech/fake/LJ003-0180_gen.wav")
# bf16 keeps 8 significant bits: rounding to it moves a value by at most 2^-8 of itself. Under autocast each
# product layer (convolution, linear, matrix product) rounds its two factors, activations and weights, to bf16
# and accumulates in fp32, so it adds at most 2 x 2^-8 relative error; to first order these add up along the
# deepest path from waveform to logit, which in AASIST has 31 such layers (sinc filters 1, six residual blocks
# 12, spectral graph attention 4, its pooling 1, two heterogeneous graph layers 5 each with a pooling 1 each,
# output layer 1). Relative to the scale of the logits that is at most 2 x 31 x 2^-8 = 0.24 of it.
BF16_ROUNDINGS_PER_LAYER, AASIST_DEPTH = 2, 31
BF16_RELATIVE_BOUND = BF16_ROUNDINGS_PER_LAYER * AASIST_DEPTH * 2.0 ** -8


def test_bf16_autocast_inference_keeps_the_scores_and_decisions_of_fp32(shared_data):
    # the tiles write into reused buffers through out= products, which autocast does not cast by itself
    model = build_model(ModelSettings(name="aasist"))
    load_model_weights(model, shared_data / "pretrained" / "aasist" / "AASIST.pth")
    waveforms = torch.from_numpy(np.stack([fit_length(read_audio(shared_data / name, 16000), 32000)
                                           for name in BF16_INPUTS]))
    with torch.inference_mode():
        full = model.eval()(waveforms)[1][:, 1]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            reduced = model(waveforms)[1]
    assert reduced.dtype == torch.bfloat16  # the bf16 path did run
    reduced = reduced[:, 1].float()
    bound = BF16_RELATIVE_BOUND * full.square().mean().sqrt()  # the logits' scale: their root mean square
    assert bound < full.std()  # tighter than the differences between inputs, so it can tell scores apart
    assert (reduced - full).abs().max() <= bound
    confident = full.abs() > bound
    assert set(full[confident].sign().tolist()) == {-1.0, 1.0}  # bona fide and spoof decisions are both checked
    assert torch.equal((reduced[confident] > 0), (full[confident] > 0))


def test_compiled_training_step_matches_eager():
    # under torch.compile the residual blocks take their plain path (for the compiler to fuse) instead of
    # the custom autograd function; the "eager" backend traces that path without needing a C++ compiler
    torch.manual_seed(0)
    model = build_model(ModelSettings(name="aasist-l")).double().train()
    waveforms, labels = torch.randn(2, 4000, dtype=torch.float64), torch.tensor([0, 1])
    results = []
    for network in (model, torch.compile(model, backend="eager")):
        model.zero_grad(set_to_none=True)
        torch.manual_seed(1)  # the same dropout masks
        _, logits = network(waveforms)
        F.cross_entropy(logits, labels).backward()
        results.append([logits.detach()] + [p.grad.clone() for p in model.parameters() if p.grad is not None])
    assert len(results[0]) == len(results[1])
    for compiled, eager in zip(results[1], results[0]):
        torch.testing.assert_close(compiled, eager, rtol=1e-7, atol=1e-9)
