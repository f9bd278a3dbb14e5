"""asdf.compute.allocator: with computing.keep_freed_memory, freed memory is reused instead of faulted in afresh."""

import subprocess
import sys

import pytest

# a chain of 64 MB temporaries, as in a training step's elementwise passes; once the heap has grown to
# fit it, prints the fewest minor page faults of three spells of four rounds (the heap still grows by one
# temporary now and then, about one run in thirty, which one spell would count)
_PROGRAM = """
import resource, sys, torch
from asdf.compute.allocator import keep_freed_memory
took = keep_freed_memory() if sys.argv[1] == 'keep' else None
x = torch.randn(1 << 24)
def chain():
    doubled = x.exp() * 2
    return (doubled + x).sum()
for _ in range(20):
    chain()
spells = []
for _ in range(3):
    before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
    for _ in range(4):
        chain()
    spells.append(resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before)
print(took, min(spells))
"""
TENSOR_PAGES = (1 << 26) // 4096


def _faults(mode: str) -> tuple:
    output = subprocess.run([sys.executable, "-c", _PROGRAM, mode], capture_output=True, text=True, check=True)
    took, faults = output.stdout.split()
    return took, int(faults)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="mallopt is glibc's (Linux)")
def test_kept_memory_is_reused_without_page_faults():
    _, default_faults = _faults("default")
    took, kept_faults = _faults("keep")
    assert took == "True"
    assert default_faults > 4 * TENSOR_PAGES  # by default glibc maps each temporary afresh: its pages fault again
    assert kept_faults < TENSOR_PAGES // 10


@pytest.mark.parametrize("keep", [True, False])
def test_select_device_applies_the_setting(keep, monkeypatch):
    from asdf.base.settings import ComputingSettings
    from asdf.compute import devices

    calls = []
    monkeypatch.setattr(devices, "keep_freed_memory", lambda: calls.append(True) or True)
    device = devices.select_device(ComputingSettings(use_gpu=False, keep_freed_memory=keep))
    assert device.type == "cpu" and calls == ([True] if keep else [])
