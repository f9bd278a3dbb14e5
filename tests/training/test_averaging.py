"""Averaged models: which epochs, and the element-wise mean of their weights."""

from __future__ import annotations

import torch

from asdf.base.paths import OutputLayout
from asdf.training.averaging import average_states, chosen_epochs, write_averaged_model
from asdf.training.checkpointing import save_checkpoint

HISTORY = [{"epoch": epoch, "dev_eer": eer} for epoch, eer in enumerate([0.3, 0.1, 0.2, 0.1, 0.4], start=1)]


def test_swa_takes_the_last_epochs_and_best_the_lowest_dev_eers():
    assert chosen_epochs(HISTORY, "swa", 3) == [3, 4, 5]
    assert chosen_epochs(HISTORY, "best", 3) == [2, 3, 4]


def test_floats_are_averaged_and_counters_kept():
    states = [{"w": torch.tensor([1.0, 2.0]), "n": torch.tensor(3)}, {"w": torch.tensor([3.0, 4.0]), "n": torch.tensor(5)}]
    averaged = average_states(states)
    assert torch.equal(averaged["w"], torch.tensor([2.0, 3.0])) and averaged["n"].item() == 5


def test_averaged_checkpoint_is_written_under_its_name(tmp_path):
    layout = OutputLayout(tmp_path)
    for record in HISTORY:
        save_checkpoint(layout.checkpoint(f"epoch_{record['epoch']:03d}"),
                        {"model": {"w": torch.full((2,), float(record["epoch"]))}, "model_settings": {}})
    assert write_averaged_model(layout, HISTORY, "best", 2) == "avg"
    content = torch.load(layout.checkpoint("avg"), weights_only=True)
    assert content["averaged_epochs"] == [2, 4] and torch.equal(content["model"]["w"], torch.full((2,), 3.0))
