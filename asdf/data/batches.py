"""Utterance lists with lengths -> network inputs: seeded training crops and length-bucketed scoring batches."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Iterator, Optional

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset, Sampler

from asdf.base.errors import DataError
from asdf.data.audio import fit_length, read_audio

BONAFIDE_CLASS = 1  # as the official AASIST: logit 1 is bona fide, logit 0 spoof

# (waveform, generator) -> waveform; applied to each training crop
Augmentation = Callable[[np.ndarray, np.random.Generator], np.ndarray]


def labels_of(utterances: pd.DataFrame) -> np.ndarray:
    """Class indices of a list: 1 bona fide, 0 spoof."""
    return (utterances["key"].to_numpy() == "bonafide").astype(np.int64)


def item_generator(seed: int, epoch: int, index: int) -> np.random.Generator:
    """The generator of one item in one epoch: the same draws whatever the workers, ranks or restarts."""
    return np.random.default_rng((seed, epoch, index))


def attack_balanced_draws(labels: np.ndarray, attacks: np.ndarray, generator: np.random.Generator) -> np.ndarray:
    """As many utterance indices as there are utterances, drawn with replacement: half bona fide, half spoof, and
    every spoofing attack as often as any other, so that a few large systems do not decide what spoof means."""
    spoof_attacks = np.unique(attacks[labels == 0])
    members = [np.flatnonzero(labels == 1)] + [np.flatnonzero((labels == 0) & (attacks == attack))
                                               for attack in spoof_attacks]
    if len(members[0]) == 0 or len(spoof_attacks) == 0:
        raise DataError("data.balance_attacks needs bona fide and spoof utterances in the training list")
    shares = np.array([0.5] + [0.5 / len(spoof_attacks)] * len(spoof_attacks))
    group_of_draw = generator.choice(len(members), size=len(labels), p=shares)
    draws = np.empty(len(labels), dtype=np.int64)
    for group, files in enumerate(members):
        chosen = group_of_draw == group
        draws[chosen] = files[generator.integers(0, len(files), int(chosen.sum()))]
    return draws


class TrainingCrops(Dataset):
    """A random crop of `crop_samples` from each utterance (tiled if shorter), drawn anew each epoch, augmented.

    balance_attacks: each epoch's items are `attack_balanced_draws` of the utterances instead of each once; every
    item still gets its own crop, so an utterance drawn twice gives two crops.
    """

    def __init__(self, utterances: pd.DataFrame, sample_rate: int, crop_samples: int, seed: int,
                 augmentation: Optional[Augmentation] = None, balance_attacks: bool = False) -> None:
        self.paths = utterances["path"].tolist()
        self.lengths = utterances["num_samples"].to_numpy()
        self.labels = labels_of(utterances)
        self.attacks = utterances["attack"].astype(str).to_numpy() if balance_attacks else None
        self.sample_rate, self.crop_samples, self.seed = sample_rate, crop_samples, seed
        self.augmentation = augmentation
        self.set_epoch(0)

    def set_epoch(self, epoch: int) -> None:
        """Choose the items and crops of `epoch`: the same epoch always gets the same ones, whatever the workers."""
        self.epoch = epoch
        if self.attacks is None:
            self.utterance_of_item = np.arange(len(self.paths))
        else:  # a stream of its own, apart from the items' and the sampler's
            draws = np.random.default_rng(np.random.SeedSequence((self.seed, epoch), spawn_key=(1,)))
            self.utterance_of_item = attack_balanced_draws(self.labels, self.attacks, draws)

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        generator = item_generator(self.seed, self.epoch, index)
        utterance = int(self.utterance_of_item[index])
        spare = int(self.lengths[utterance]) - self.crop_samples
        start = int(generator.integers(0, spare + 1)) if spare > 0 else 0
        crop = fit_length(read_audio(self.paths[utterance], self.sample_rate), self.crop_samples, start)
        if self.augmentation is not None:
            crop = self.augmentation(crop, generator)
        return torch.from_numpy(np.ascontiguousarray(crop, dtype=np.float32)), int(self.labels[utterance])


class EpochSampler(Sampler[int]):
    """This rank's share of a permutation seeded by (seed, epoch): rank r takes items r, r+N, ... of it.

    With a per-rank batch of batch_size / N, the ranks' batches b together are the permutation's b-th global
    batch. The last (size mod N) items of each permutation are left out so every rank gets as many batches.
    """

    def __init__(self, size: int, seed: int, rank: int = 0, world_size: int = 1) -> None:
        self.size, self.seed, self.rank, self.world_size = size, seed, rank, world_size
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Use the permutation of `epoch`."""
        self.epoch = epoch

    def state_dict(self) -> dict:
        """What a checkpoint needs to reproduce the order."""
        return {"seed": self.seed, "epoch": self.epoch}

    def load_state_dict(self, state: dict) -> None:
        """Continue with the order of a checkpoint."""
        self.seed, self.epoch = state["seed"], state["epoch"]

    def __len__(self) -> int:
        return self.size // self.world_size

    def __iter__(self) -> Iterator[int]:
        order = np.random.default_rng((self.seed, self.epoch)).permutation(self.size)
        usable = len(self) * self.world_size
        return iter(order[:usable][self.rank :: self.world_size].tolist())


@dataclass(frozen=True)
class ScoringBatch:
    """Utterances scored together, each cut (or tiled) to the same input length from its start, or from `starts`
    (one per member: an utterance may appear once per window)."""

    indices: tuple[int, ...]
    samples: int
    starts: tuple[int, ...] = ()


def official_batches(count: int, batch_size: int, input_samples: int) -> list[ScoringBatch]:
    """Consecutive utterances, each as its first `input_samples` (the official AASIST evaluation)."""
    return [ScoringBatch(tuple(range(start, min(start + batch_size, count))), input_samples)
            for start in range(0, count, batch_size)]


def bucketed_batches(lengths: np.ndarray, batch_size: int, max_cut: float, max_batch_samples: int,
                     min_samples: int) -> list[ScoringBatch]:
    """Longest first, utterances of similar length together; none loses more than `max_cut` of its length.

    A batch's input length is its shortest member's, so no input is padded; inputs shorter than the model's
    `min_samples` are tiled to it, as the official evaluation tiles short files.
    """
    order = sorted(range(len(lengths)), key=lambda index: (-int(lengths[index]), index))
    batches, position = [], 0
    while position < len(order):
        longest = int(lengths[order[position]])
        members = [order[position]]
        for index in order[position + 1 :]:
            shortest = int(lengths[index])
            fits_budget = (len(members) + 1) * max(shortest, min_samples) <= max_batch_samples
            if len(members) == batch_size or shortest < (1.0 - max_cut) * longest or not fits_budget:
                break
            members.append(index)
        batches.append(ScoringBatch(tuple(members), max(int(lengths[members[-1]]), min_samples)))
        position += len(members)
    return batches


def window_starts(length: int, window: int, hop: int) -> list[int]:
    """Window starts as `asdf score` cuts a file: every `hop` samples, one aligned with the end, one if short."""
    starts = list(range(0, max(length - window, 0) + 1, hop))
    if length > window and starts[-1] + window < length:
        starts.append(length - window)
    return starts


def window_batches(lengths: np.ndarray, batch_size: int, window: int, hop: int) -> list[ScoringBatch]:
    """The windows of every utterance in list order, `batch_size` windows to a batch."""
    windows = [(index, start) for index, length in enumerate(lengths)
               for start in window_starts(int(length), window, hop)]
    return [ScoringBatch(tuple(index for index, _ in part), window, tuple(start for _, start in part))
            for part in (windows[first : first + batch_size] for first in range(0, len(windows), batch_size))]


class ScoringInputs(Dataset):
    """Item b of a list of batches: (indices, [batch, samples] waveforms) read, cut and stacked."""

    def __init__(self, paths: list[str], batches: list[ScoringBatch], sample_rate: int) -> None:
        self.paths, self.batches, self.sample_rate = paths, batches, sample_rate

    def __len__(self) -> int:
        return len(self.batches)

    def __getitem__(self, position: int) -> tuple[torch.Tensor, torch.Tensor]:
        batch = self.batches[position]
        audio = {index: read_audio(self.paths[index], self.sample_rate) for index in dict.fromkeys(batch.indices)}
        starts = batch.starts or (0,) * len(batch.indices)
        waveforms = [fit_length(audio[index][start : start + batch.samples], batch.samples)
                     for index, start in zip(batch.indices, starts)]
        return torch.tensor(batch.indices), torch.from_numpy(np.stack(waveforms))


def make_loader(dataset: Dataset, batch_size: Optional[int], workers: int,
                sampler: Optional[Sampler] = None) -> DataLoader:
    """A DataLoader in the sampler's order (batch_size None: the dataset yields whole batches)."""
    generator = torch.Generator()
    generator.manual_seed(0)  # worker seeds from here, not from the global generator that dropout uses
    return DataLoader(dataset, batch_size=batch_size, sampler=sampler, shuffle=False, num_workers=workers,
                      generator=generator, persistent_workers=False, drop_last=False)
