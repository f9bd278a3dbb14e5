"""`asdf app`: the Gradio demo launched on a local port and driven with gradio_client (no browser)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time

import numpy as np
import pytest
import soundfile

os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
gradio = pytest.importorskip("gradio", reason="gradio is not installed: pip install 'asdf-antispoof[app]' to test the web demo")
gradio_client = pytest.importorskip("gradio_client", reason="gradio_client is not installed: pip install 'asdf-antispoof[app]'")

from asdf.cli.app import API_NAME, launch_app  # noqa: E402
from tests.conftest import REPO_ROOT  # noqa: E402
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


def test_silence_gets_no_verdict_but_the_reason(client, tmp_path):
    demo, model = client
    soundfile.write(tmp_path / "silence.wav", np.zeros(32000, np.float32), 16000)
    decision, explanation, picture = demo.predict(gradio_client.handle_file(str(tmp_path / "silence.wav")), model,
                                                  "cpu", api_name=f"/{API_NAME}")
    assert decision == "## UNDECIDED"
    assert explanation.startswith("**No decision**: it is silent (no 20 ms stretch louder than -60 dBFS)")
    assert "bona fide" not in explanation.lower() and os.path.getsize(picture) > 20_000


def _demo_folders(folder) -> list[str]:
    return sorted(name for name in os.listdir(folder) if name.startswith("asdf-app-"))


def test_closing_the_app_removes_its_temporary_folder(tmp_path, monkeypatch):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    app = launch_app(port=_free_port(), models=["aasist-official"], block=False)
    try:
        assert len(_demo_folders(tmp_path)) == 1
    finally:
        app.close()
    assert _demo_folders(tmp_path) == []


def test_stopping_the_demo_process_removes_its_temporary_folder(tmp_path):
    """`asdf app` stopped by SIGTERM (a service manager; Ctrl-C ends it the same way) leaves no asdf-app-* behind."""
    port = _free_port()
    environment = {**os.environ, "TMPDIR": str(tmp_path), "GRADIO_ANALYTICS_ENABLED": "False"}
    process = subprocess.Popen([sys.executable, "-m", "asdf.cli.main", "app", "--port", str(port)], cwd=REPO_ROOT,
                               env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not _listening(port) and time.monotonic() < deadline and process.poll() is None:
            time.sleep(0.2)
        assert len(_demo_folders(tmp_path)) == 1
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 128 + signal.SIGTERM
    finally:
        process.kill()
    assert _demo_folders(tmp_path) == []


def _listening(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


def test_the_shipped_model_is_offered_first_and_explains_its_probability(tmp_path):
    from asdf.cli.app import DEFAULT_MODELS
    from asdf.pretrained import DEFAULT_MODEL

    assert DEFAULT_MODELS[0] == DEFAULT_MODEL
    app = launch_app(port=_free_port(), max_upload_mb=MAX_UPLOAD_MB, block=False)
    try:
        demo = gradio_client.Client(app.local_url, verbose=False)
        audio = write_audio(tmp_path / "speech.flac", 16000, 2.0)
        decision, explanation, _ = demo.predict(gradio_client.handle_file(str(audio)), DEFAULT_MODEL, "cpu",
                                                api_name=f"/{API_NAME}")
    finally:
        app.close()
    assert decision in ("## BONA FIDE", "## SPOOF", "## UNDECIDED")
    if decision != "## UNDECIDED":
        assert "Probability of real speech" in explanation and "under a prior of" in explanation
        assert "log-likelihood ratio" in explanation and "logistic regression" in explanation
