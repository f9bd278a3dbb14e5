"""`torchrun --nproc_per_node=2 run.py sad-off train eval` on the CPU (gloo): DDP training, sharded scoring."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from asdf.distributed import Ranks, gather_in_order
from asdf.errors import DataError
from tests.mini_corpus import make_mini_la
from tests.training.tiny_runs import run_recipe, tiny_overrides, write_plain_corpus


def test_two_processes_train_on_a_mixture_and_score_every_utterance_once_in_list_order(tmp_path):
    corpus = write_plain_corpus(tmp_path / "corpus")
    launcher = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2"]
    overrides = tiny_overrides(corpus, tmp_path / "out", "training.epochs=2", "eval.input='full'",
                               "eval.batch_size=3", "eval.checkpoints=['last']",
                               f"paths.asvspoof2019_la={make_mini_la(tmp_path / 'la')}",
                               "data.extra_train_lists=['asvspoof2019_la.train']")
    result = run_recipe(["sad-off", "train", "eval", *overrides], launcher=launcher, timeout=400)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    system = tmp_path / "out" / "aasist"
    listed = [line.split()[0] for line in (corpus / "eval.txt").read_text().splitlines()]
    scored = [line.split()[0] for line in (system / "scores" / "eval.last.txt").read_text().splitlines()]
    assert scored == [name.rsplit(".", 1)[0] for name in listed]
    assert "distributed: 2 processes, backend gloo" in result.stdout
    assert "train: 16 training and 8 dev utterances" in result.stdout  # 8 plain-list + 8 ASVspoof 2019 LA
    assert result.stdout.count("train epoch 2/2 done") == 1  # only rank 0 logs progress
    assert (system / "checkpoints" / "epoch_002.pt").is_file()


def test_gathering_refuses_shards_that_overlap():
    indices, values = np.array([2, 0, 1]), np.array([0.2, 0.0, 0.1], dtype=np.float32)
    assert gather_in_order(Ranks(), indices, values, np.arange(3)).tolist() == pytest.approx([0.0, 0.1, 0.2])
    with pytest.raises(DataError, match="overlap or miss"):
        gather_in_order(Ranks(), np.array([0, 0, 1]), values, np.arange(3))
