"""`computing.compile=True`: training and eval run through torch.compile and give the eager run's results."""

from __future__ import annotations

from pathlib import Path

import torch

from asdf.cli.run_command import main
from asdf.runner.recipe import Recipe
from asdf.stages import STAGES
from tests.training.tiny_runs import RUN_PY, run_recipe, tiny_overrides, write_plain_corpus

STAGE_WORDS = ["sad-off", "train", "eval"]


def _scores(output: Path) -> list:
    return [float(line.split()[-1]) for line in (output / "aasist" / "scores" / "eval.best.txt").read_text().splitlines()]


def test_compiled_run_trains_and_scores_like_the_eager_run(tmp_path, monkeypatch):
    corpus = write_plain_corpus(tmp_path / "corpus")
    eager = run_recipe([*STAGE_WORDS, *tiny_overrides(corpus, tmp_path / "eager")])
    assert eager.returncode == 0, eager.stderr[-2000:]
    compiled_models, real_compile = [], torch.compile

    def compile_without_codegen(model, **options):
        # dynamo still traces the model's Python (the compile-only branches included); the "eager" backend
        # runs the traced graphs as they are, so no C++ compiler is needed and the test stays fast
        compiled_models.append(type(model).__name__)
        return real_compile(model, backend="eager", **options)

    monkeypatch.setattr(torch, "compile", compile_without_codegen)
    words = tiny_overrides(corpus, tmp_path / "compiled", "computing.compile=True", "computing.torch_threads=0")
    assert main(Recipe.beside(Path(RUN_PY), STAGES), [*STAGE_WORDS, *words]) == 0
    assert compiled_models == ["RawNet2", "RawNet2"]  # the trainer's model, then eval's
    checkpoint = torch.load(tmp_path / "compiled" / "aasist" / "checkpoints" / "best.pt", weights_only=True)
    eager_checkpoint = torch.load(tmp_path / "eager" / "aasist" / "checkpoints" / "best.pt", weights_only=True)
    assert list(checkpoint["model"]) == list(eager_checkpoint["model"])  # no `_orig_mod.` prefix
    assert max(abs(a - b) for a, b in zip(_scores(tmp_path / "compiled"), _scores(tmp_path / "eager"))) < 1e-5
