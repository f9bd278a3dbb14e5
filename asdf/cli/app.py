"""`asdf app`: a Gradio web demo. Upload or record audio, choose model and device, see the decision,
the score with what it means (for the shipped model: the LLR, the posterior under the prior and the operating
point it comes from), and the per-window timeline. Needs the `app` extra (asdf.base.errors.install_hint).

It binds to 127.0.0.1 unless told otherwise, never opens a share link, sends no analytics, and refuses
uploads above a size limit. Its pictures go to a temporary folder that is removed when the app is closed
or the process exits.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

import torch

from asdf.base.errors import ConfigError, install_hint
from asdf.inference import ScoreOptions, load_scorer, score_files
from asdf.inference.file_records import DECISION_LABELS, UNDECIDED, flag_reasons
from asdf.inference.scorers import verdict_options
from asdf.inference.timeline import plot_timeline
from asdf.pretrained import DEFAULT_MODEL

DEFAULT_MODELS = (DEFAULT_MODEL, "aasist-official", "aasist-l-official")
API_NAME = "score"  # the endpoint gradio_client calls: client.predict(..., api_name="/score")


def _gradio():
    """The gradio module, with analytics off before it is imported."""
    os.environ["GRADIO_ANALYTICS_ENABLED"] = "False"
    try:
        import gradio
    except ImportError:
        raise ConfigError(f"the web demo needs gradio: {install_hint('app')}") from None
    return gradio


def explain(record: dict, options: ScoreOptions) -> str:
    """What the score and the decision mean, in Markdown."""
    if record["decision"] == UNDECIDED:
        return (f"**No decision**: {flag_reasons(record, options)}, so the model's score ({record['score']:+.3f}) "
                "says nothing reliable about whether it is real. Upload or record a few seconds of clean speech.")
    windows = (f"It is the {record['aggregation']} of {len(record['window_scores'])} window score(s) "
               f"({record['window_s']:.2f} s windows every {record['hop_s']:.2f} s).")
    if record["score_type"] == "bonafide_logit":
        return (f"**Score {record['score']:+.3f}**: the model's bona fide logit (not a probability, not calibrated); "
                f"higher means more likely real speech. {windows} Above the threshold {record['threshold']:.3g} the "
                "decision is bona fide. Models trained on ASVspoof 2019 LA only are unreliable on other recordings "
                "(they reject most real LJSpeech, for example): treat the result as a hint, not proof.")
    return (f"**Probability of real speech {record['posterior']:.1%}** under a prior of {record['prior']:.2f}; "
            f"log-likelihood ratio {record['score']:+.2f} (real vs fake, calibrated: {record['calibration']}). "
            f"{windows} Decision: {record['operating_point']}. Calibrated on the model's own dev set: on speech "
            "unlike anything in its model card the probability is less certain than it looks.")


class DemoScorer:
    """Scores one uploaded file at a time, with the models loaded once and a size limit."""

    def __init__(self, max_upload_mb: float, shared_data: Path | None) -> None:
        self.max_bytes, self.shared_data = max_upload_mb * 1e6, shared_data
        # removed by `close`, or at the latest when the process exits (TemporaryDirectory's finaliser)
        self.plots = tempfile.TemporaryDirectory(prefix="asdf-app-")
        self.plot_dir = Path(self.plots.name)
        self.scorer = functools.lru_cache(maxsize=4)(
            lambda model, device: load_scorer(model, device, self.shared_data))

    def __call__(self, audio_path: str | None, model: str, device: str) -> tuple[str, str, str | None]:
        """(decision, explanation, timeline PNG) for an uploaded or recorded file."""
        gradio = _gradio()
        if not audio_path:
            raise gradio.Error("Upload or record some audio first.")
        size = Path(audio_path).stat().st_size
        if size > self.max_bytes:
            raise gradio.Error(f"The file is {size / 1e6:.1f} MB; this demo accepts at most "
                               f"{self.max_bytes / 1e6:.0f} MB. Use `asdf score` for larger files.")
        scorer = self.scorer(model, device)
        options = ScoreOptions(**verdict_options(scorer))
        result = next(score_files([audio_path], scorer, options, with_overview=True))
        record = result.records[0]
        if record["error"]:
            raise gradio.Error("Cannot score this file: " + record["error"].replace(audio_path, Path(audio_path).name))
        picture = plot_timeline(result.records, result.overview, self.plot_dir / f"{Path(audio_path).stem}.png")
        return f"## {DECISION_LABELS[record['decision']]}", explain(record, options), str(picture)

    def close(self) -> None:
        """Remove the pictures' folder."""
        self.plots.cleanup()


def build_app(models=DEFAULT_MODELS, max_upload_mb: float = 50.0, shared_data: Path | None = None,
              example: str | None = None):
    """The Gradio Blocks of the demo; an `example` file is loaded and scored when the page opens."""
    gradio = _gradio()
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    score = DemoScorer(max_upload_mb, shared_data)
    with gradio.Blocks(title="asdf: is this speech real?", analytics_enabled=False) as app:
        gradio.Markdown("# asdf: speech anti-spoofing demo\nUpload or record audio; the countermeasure says "
                        f"whether it sounds bona fide (real) or spoofed (synthetic). Files up to {max_upload_mb:g} MB.")
        with gradio.Row():
            with gradio.Column():
                audio = gradio.Audio(example, sources=["upload", "microphone"], type="filepath", label="audio")
                model = gradio.Dropdown(list(models), value=models[0], label="model")
                device = gradio.Dropdown(devices, value=devices[0], label="device")
                button = gradio.Button("Score", variant="primary")
            with gradio.Column():
                decision = gradio.Markdown(label="decision")
                explanation = gradio.Markdown(label="what the score means")
        timeline = gradio.Image(type="filepath", label="waveform, spectrogram and per-window scores")
        button.click(score, [audio, model, device], [decision, explanation, timeline], api_name=API_NAME)
        if example:
            app.load(score, [audio, model, device], [decision, explanation, timeline], api_name=False)
    _also_on_close(app, score.close)
    return app


def _also_on_close(app, cleanup) -> None:
    """Make `app.close()` run `cleanup` after it (Gradio offers no hook for it)."""
    close = app.close

    def close_and_clean_up(*args, **kwargs):
        try:
            return close(*args, **kwargs)
        finally:
            cleanup()

    app.close = close_and_clean_up


def launch_app(host: str = "127.0.0.1", port: int = 7860, models=DEFAULT_MODELS, max_upload_mb: float = 50.0,
               shared_data: Path | None = None, example: str | None = None, block: bool = True):
    """Serve the demo on host:port (no share link); with block=False return the running app."""
    app = build_app(tuple(models), max_upload_mb, shared_data, example)
    app.launch(server_name=host, server_port=port, share=False, max_file_size=int(max_upload_mb * 1e6),
               prevent_thread_lock=not block, show_error=True)
    return app
