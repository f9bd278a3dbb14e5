"""Length buckets for full-length scoring, the epoch sampler, and seeded, augmented, attack-balanced training crops."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import soundfile
import torch

from asdf.base.errors import DataError
from asdf.base.settings import Settings
from asdf.data.batches import EpochSampler, TrainingCrops, attack_balanced_draws, bucketed_batches, official_batches
from asdf.inference.utterance_scoring import score_batches


def test_buckets_cut_each_utterance_by_at_most_max_cut_and_cover_the_list_once():
    lengths = np.random.default_rng(0).integers(16000, 480000, size=300)
    batches = bucketed_batches(lengths, batch_size=16, max_cut=0.05, max_batch_samples=16000 * 240, min_samples=2315)
    assert sorted(index for batch in batches for index in batch.indices) == list(range(300))
    for batch in batches:
        assert len(batch.indices) <= 16 and len(batch.indices) * batch.samples <= 16000 * 240
        assert all(batch.samples <= lengths[index] and batch.samples >= 0.95 * lengths[index] for index in batch.indices)
    assert len(batches) < 100  # similar lengths do share batches


def test_short_utterances_are_tiled_to_the_model_minimum_and_no_cut_means_equal_lengths():
    batches = bucketed_batches(np.array([1000, 1000, 5000, 5001]), 8, 0.0, 10**9, min_samples=2315)
    assert [(batch.indices, batch.samples) for batch in batches] == [((3,), 5001), ((2,), 5000), ((0, 1), 2315)]
    assert [batch.indices for batch in official_batches(5, 2, 64600)] == [(0, 1), (2, 3), (4,)]


class _MeanModel(torch.nn.Module):
    """Scores a waveform by its mean: batching must not change any score."""

    min_samples = 1

    def forward(self, waveforms):
        mean = waveforms.mean(dim=1, keepdim=True)
        return None, torch.cat([-mean, mean], dim=1)


def test_bucketed_scores_equal_one_by_one_scores_of_the_same_inputs(tmp_path):
    rng = np.random.default_rng(1)
    paths, lengths = [], rng.integers(1600, 3200, size=12)
    for index, length in enumerate(lengths):
        paths.append(str(tmp_path / f"{index}.wav"))
        soundfile.write(paths[-1], rng.uniform(-0.5, 0.5, length).astype(np.float32), 16000, subtype="FLOAT")
    settings = Settings()
    settings.computing.network_dataloader_workers = 0
    batches = bucketed_batches(lengths, 4, 0.1, 10**9, 1)
    together = score_batches(_MeanModel(), paths, batches, settings, torch.device("cpu"))
    alone = [type(batch)((index,), batch.samples) for batch in batches for index in batch.indices]
    separately = score_batches(_MeanModel(), paths, alone, settings, torch.device("cpu"))
    assert np.allclose(together.scores, separately.scores, atol=1e-6) and len(together.scores) == 12


def test_sampler_shards_the_same_permutation_and_resumes():
    whole = list(EpochSampler(10, seed=3))
    shards = [list(EpochSampler(10, seed=3, rank=rank, world_size=2)) for rank in (0, 1)]
    assert sorted(shards[0] + shards[1]) == sorted(whole) and shards[0] == whole[0::2]
    sampler = EpochSampler(10, seed=3)
    sampler.set_epoch(4)
    restored = EpochSampler(10, seed=0)
    restored.load_state_dict(sampler.state_dict())
    assert list(restored) == list(sampler) != whole


def test_training_crops_depend_only_on_seed_epoch_and_item(tmp_path):
    path = tmp_path / "a.wav"
    soundfile.write(path, np.linspace(-0.5, 0.5, 16000).astype(np.float32), 16000, subtype="FLOAT")
    table = pd.DataFrame({"path": [str(path)], "num_samples": [16000], "key": ["spoof"]})
    crops = TrainingCrops(table, 16000, 4000, seed=1, augmentation=lambda wave, rng: wave * rng.uniform(0.5, 1))
    crops.set_epoch(2)
    first, label = crops[0]
    again = TrainingCrops(table, 16000, 4000, seed=1, augmentation=crops.augmentation)
    again.set_epoch(2)
    assert label == 0 and torch.equal(first, again[0][0]) and first.shape == (4000,)


def _trials(tmp_path, attacks: dict[str, int]) -> pd.DataFrame:
    """A training list with `count` utterances of each attack ('-' is bona fide), each file a distinct ramp."""
    rows = []
    for attack, count in attacks.items():
        for index in range(count):
            path = tmp_path / f"{attack}{index}.wav"
            soundfile.write(path, np.linspace(-0.5, 0.5, 8000).astype(np.float32) * (len(rows) + 1) / 1000, 16000,
                            subtype="FLOAT")
            rows.append({"path": str(path), "num_samples": 8000, "attack": attack,
                         "key": "bonafide" if attack == "-" else "spoof"})
    return pd.DataFrame(rows)


def test_balanced_epochs_draw_half_bona_fide_and_every_attack_equally_often():
    labels = np.array([1] * 300 + [0] * 6000 + [0] * 10 + [0] * 90)
    attacks = np.array(["-"] * 300 + ["big"] * 6000 + ["tiny"] * 10 + ["small"] * 90)
    draws = attack_balanced_draws(labels, attacks, np.random.default_rng(0))
    assert len(draws) == len(labels)
    counts = {attack: int((attacks[draws] == attack).sum()) for attack in ("-", "big", "tiny", "small")}
    assert abs(counts["-"] - 3200) < 200  # half the draws, binomial spread about 40
    assert all(abs(counts[attack] - 1067) < 120 for attack in ("big", "tiny", "small"))  # a sixth each, spread 30
    assert set(draws[attacks[draws] == "tiny"]) == set(range(6300, 6310))  # every utterance of a small attack used


def test_balanced_crops_repeat_by_epoch_and_an_utterance_drawn_twice_gives_two_crops(tmp_path):
    table = _trials(tmp_path, {"-": 3, "A": 40, "B": 2})
    crops = TrainingCrops(table, 16000, 2000, seed=5, balance_attacks=True)
    crops.set_epoch(1)
    again = TrainingCrops(table, 16000, 2000, seed=5, balance_attacks=True)
    again.set_epoch(1)
    assert np.array_equal(crops.utterance_of_item, again.utterance_of_item)
    first = [crops[item] for item in range(len(crops))]
    assert all(torch.equal(waveform, again[item][0]) for item, (waveform, _) in enumerate(first))
    labels = np.array([label for _, label in first])
    assert np.array_equal(labels, (table["key"].to_numpy()[crops.utterance_of_item] == "bonafide").astype(int))
    of_b = [item for item in range(len(crops)) if table["attack"][crops.utterance_of_item[item]] == "B"]
    repeated = [item for item in of_b if crops.utterance_of_item[item] == crops.utterance_of_item[of_b[0]]]
    assert len(repeated) > 1 and not torch.equal(first[repeated[0]][0], first[repeated[1]][0])
    crops.set_epoch(2)
    assert not np.array_equal(crops.utterance_of_item, again.utterance_of_item)
    plain = TrainingCrops(table, 16000, 2000, seed=5)
    assert list(plain.utterance_of_item) == list(range(len(table)))  # without balancing, each utterance once


def test_balancing_a_list_without_bona_fide_names_the_setting(tmp_path):
    with pytest.raises(DataError, match="data.balance_attacks needs bona fide and spoof"):
        TrainingCrops(_trials(tmp_path, {"A": 3}), 16000, 2000, seed=0, balance_attacks=True)
