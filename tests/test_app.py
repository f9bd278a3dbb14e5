"""`asdf app`: the Gradio demo launched on a local port and driven with gradio_client (no browser)."""

from __future__ import annotations

import os
import socket

import pytest

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
gradio = pytest.importorskip("gradio", reason="gradio is not installed: pip install 'asdf[app]' to test the web demo")
gradio_client = pytest.importorskip("gradio_client", reason="gradio_client is not installed: pip install 'asdf[app]'")

from asdf.app import API_NAME, launch_app  # noqa: E402
from tests.inference.audio_files import tiny_checkpoint, write_audio, write_bad_files  # noqa: E402

MAX_UPLOAD_MB = 0.1


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    """A client of the demo, served with a tiny checkpoint on 127.0.0.1 (the default host)."""
    checkpoint = tiny_checkpoint(tmp_path_factory.mktemp("model") / "tiny.pt")
    app = launch_app(port=_free_port(), models=[str(checkpoint)], max_upload_mb=MAX_UPLOAD_MB, block=False)
    assert app.server_name == "127.0.0.1" and not app.share
    yield gradio_client.Client(app.local_url, verbose=False), str(checkpoint)
    app.close()


def test_demo_answers_a_scoring_request(client, tmp_path):
    demo, model = client
    audio = write_audio(tmp_path / "speech.flac", 22050, 1.0)
    decision, explanation, picture = demo.predict(gradio_client.handle_file(str(audio)), model, "cpu",
                                                  api_name=f"/{API_NAME}")
    assert decision in ("## BONA FIDE", "## SPOOF")
    assert "bona fide logit" in explanation and "threshold" in explanation
    assert os.path.getsize(picture) > 20_000


def test_oversized_upload_is_refused_with_the_limit(client, tmp_path):
    demo, model = client
    too_big = write_audio(tmp_path / "long.wav", 48000, 2.0, channels=2)  # 384 kB > 100 kB
    with pytest.raises(Exception, match="maximum file size|accepts at most"):
        demo.predict(gradio_client.handle_file(str(too_big)), model, "cpu", api_name=f"/{API_NAME}")


def test_undecodable_upload_gets_a_clear_error(client, tmp_path):
    demo, model = client
    text = write_bad_files(tmp_path)["text"]
    with pytest.raises(Exception, match="Cannot score this file: text.wav: not a decodable audio file"):
        demo.predict(gradio_client.handle_file(str(text)), model, "cpu", api_name=f"/{API_NAME}")
