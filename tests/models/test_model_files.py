"""Model files: official weights, our own checkpoints, DDP prefixes, strictness, and refusal of pickled code."""

from __future__ import annotations

import pickle

import pytest
import torch

from asdf.base.settings import ModelSettings
from asdf.models import build_model
from asdf.models.model_files import CheckpointError, load_model_weights, read_checkpoint


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


class _TrainingState:
    """A plain object pickled beside the weights, as careless training scripts do."""


@pytest.mark.parametrize("payload, named", [(_RunsCodeWhenUnpickled(), "print"),
                                            (_TrainingState(), f"{__name__}._TrainingState")])
def test_checkpoint_with_pickled_object_is_refused_without_saying_how_to_load_it_anyway(tmp_path, capsys, payload,
                                                                                         named):
    torch.save({"model": {"w": torch.zeros(1)}, "payload": payload}, tmp_path / "evil.pt")
    with pytest.raises(CheckpointError) as error:
        read_checkpoint(tmp_path / "evil.pt")
    message = str(error.value)
    assert message.startswith(f"refusing checkpoint {tmp_path / 'evil.pt'}: it holds Python objects besides tensors "
                              "and plain values (here ") and named in message
    assert "could run code when loaded" in message and "re-save just the state dict" in message
    assert "weights_only" not in message and "\n" not in message
    assert "unpickled code ran" not in capsys.readouterr().out


def _not_checkpoints(folder):
    """Files users pass as checkpoints by mistake: audio, text, a pickle of something else, a cut-short checkpoint."""
    from tests.inference.audio_files import write_audio

    write_audio(folder / "speech.wav", 16000, 0.5)
    (folder / "notes.pt").write_text("hello\n")
    (folder / "plain.pkl").write_bytes(pickle.dumps({"a": 1}, protocol=4))
    torch.save(_model().state_dict(), folder / "full.pt")
    (folder / "cut.pt").write_bytes((folder / "full.pt").read_bytes()[:5000])
    return ["speech.wav", "notes.pt", "plain.pkl", "cut.pt"]


def test_files_that_are_not_checkpoints_are_named_in_one_line(tmp_path, recwarn):
    for name in _not_checkpoints(tmp_path):
        with pytest.raises(CheckpointError) as error:
            read_checkpoint(tmp_path / name)
        assert str(error.value) == (f"{tmp_path / name} is not a PyTorch checkpoint (expected a .pt/.pth file saved by "
                                    "torch.save: a state dict, or a dict whose 'model' is one), or it is damaged or "
                                    "cut short")
    assert not [w for w in recwarn if "torch" in str(w.filename)]  # nor torch's pickle-protocol warning


def test_missing_file_is_named(tmp_path):
    with pytest.raises(CheckpointError, match="absent.pt"):
        read_checkpoint(tmp_path / "absent.pt")
    with pytest.raises(CheckpointError, match=f"{tmp_path} is a folder, not a checkpoint file"):
        read_checkpoint(tmp_path)
