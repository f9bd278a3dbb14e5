"""Checkpoint loading: official files, our own, DDP prefixes, strictness, and refusal of pickled code."""

from __future__ import annotations

import pytest
import torch

from asdf.models import build_model
from asdf.models.checkpoint import CheckpointError, load_model_weights, read_checkpoint
from asdf.settings import ModelSettings


def _model():
    return build_model(ModelSettings(name="aasist-l"))


def test_official_file_loads(shared_data):
    model = _model()
    load_model_weights(model, shared_data / "pretrained" / "aasist" / "AASIST-L.pth")
    official = torch.load(shared_data / "pretrained" / "aasist" / "AASIST-L.pth", map_location="cpu", weights_only=True)
    torch.testing.assert_close(model.out_layer.weight, official["out_layer.weight"])


@pytest.mark.parametrize("wrap", ["ours", "ddp"])
def test_own_and_ddp_checkpoints_load(tmp_path, wrap):
    source = _model()
    state = source.state_dict()
    if wrap == "ours":
        content = {"model": state, "model_settings": {"name": "aasist-l"}, "epoch": 3}
    else:
        content = {f"module.{key}": value for key, value in state.items()}
    torch.save(content, tmp_path / "checkpoint.pt")
    target = _model()
    checkpoint = load_model_weights(target, tmp_path / "checkpoint.pt")
    torch.testing.assert_close(target.state_dict(), state)
    assert wrap == "ddp" or checkpoint["epoch"] == 3


def test_mismatching_weights_name_file_and_keys(tmp_path):
    state = _model().state_dict()
    state["extra.weight"] = torch.zeros(1)
    del state["out_layer.bias"]
    torch.save(state, tmp_path / "odd.pt")
    with pytest.raises(CheckpointError) as error:
        load_model_weights(_model(), tmp_path / "odd.pt")
    message = str(error.value)
    assert "odd.pt" in message and "out_layer.bias" in message and "extra.weight" in message


class _RunsCodeWhenUnpickled:
    def __reduce__(self):
        return (print, ("unpickled code ran",))


def test_checkpoint_with_pickled_object_is_refused(tmp_path, capsys):
    torch.save({"model": {"w": torch.zeros(1)}, "payload": _RunsCodeWhenUnpickled()}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError, match="evil.pt"):
        read_checkpoint(tmp_path / "evil.pt")
    assert "unpickled code ran" not in capsys.readouterr().out


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="absent.pt"):
        read_checkpoint(tmp_path / "absent.pt")
