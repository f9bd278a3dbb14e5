"""The model registry: names, presets and overrides."""

from __future__ import annotations

import pytest

from asdf.base.settings import ModelSettings
from asdf.models import MODEL_NAMES, build_model
from asdf.models.ssl import save_tiny_model


def test_every_registered_name_builds(tmp_path):
    assert set(MODEL_NAMES) == {"aasist", "aasist-l", "rawnet2", "ssl-aasist", "whisper-tiny"}
    tiny_ssl = str(save_tiny_model(tmp_path / "tiny-ssl"))  # the default XLS-R 300M is not here (no network)
    for name in MODEL_NAMES:
        assert build_model(ModelSettings(name=name, ssl_model=tiny_ssl)).min_samples > 0


def test_settings_override_the_preset():
    model = build_model(ModelSettings(name="aasist", gat_dims=[16, 8]))
    assert model.out_layer.in_features == 5 * 8
    assert model.GAT_layer_S.proj_with_att.out_features == 16


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match="aasist-xl.*aasist, aasist-l, rawnet2, ssl-aasist, whisper-tiny"):
        build_model(ModelSettings(name="aasist-xl"))
