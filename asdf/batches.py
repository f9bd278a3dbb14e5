"""Utterance lists with lengths -> network inputs: random training crops and fixed evaluation inputs."""

from __future__ import annotations

import numpy as np
import pandas as pd
import torch
from torch.utils.data import DataLoader, Dataset

from asdf.audio import fit_length, read_audio

BONAFIDE_CLASS = 1  # as the official AASIST: logit 1 is bona fide, logit 0 spoof


def labels_of(utterances: pd.DataFrame) -> np.ndarray:
    """Class indices of a list: 1 bona fide, 0 spoof."""
    return (utterances["key"].to_numpy() == "bonafide").astype(np.int64)


class TrainingCrops(Dataset):
    """A random crop of `crop_samples` from each utterance (tiled if shorter), drawn anew each epoch."""

    def __init__(self, utterances: pd.DataFrame, sample_rate: int, crop_samples: int, seed: int) -> None:
        self.paths = utterances["path"].tolist()
        self.lengths = utterances["num_samples"].to_numpy()
        self.labels = labels_of(utterances)
        self.sample_rate = sample_rate
        self.crop_samples = crop_samples
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """Choose the crops of `epoch`: the same epoch always gets the same crops, whatever the workers."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> tuple[torch.Tensor, int]:
        spare = int(self.lengths[index]) - self.crop_samples
        crop_rng = np.random.default_rng((self.seed, self.epoch, index))
        start = int(crop_rng.integers(0, spare + 1)) if spare > 0 else 0
        waveform = read_audio(self.paths[index], self.sample_rate)
        return torch.from_numpy(fit_length(waveform, self.crop_samples, start).copy()), int(self.labels[index])


class EvaluationInputs(Dataset):
    """The first `input_samples` of each utterance (tiled if shorter), as the official AASIST evaluation."""

    def __init__(self, utterances: pd.DataFrame, sample_rate: int, input_samples: int) -> None:
        self.paths = utterances["path"].tolist()
        self.sample_rate = sample_rate
        self.input_samples = input_samples

    def __len__(self) -> int:
        return len(self.paths)

    def __getitem__(self, index: int) -> torch.Tensor:
        waveform = read_audio(self.paths[index], self.sample_rate)
        return torch.from_numpy(fit_length(waveform, self.input_samples).copy())


def make_loader(dataset: Dataset, batch_size: int, workers: int, shuffle_seed: int | None = None) -> DataLoader:
    """A DataLoader; shuffled with a seeded generator when `shuffle_seed` is given."""
    generator = None
    if shuffle_seed is not None:
        generator = torch.Generator()
        generator.manual_seed(shuffle_seed)
    return DataLoader(
        dataset,
        batch_size=batch_size,
        shuffle=shuffle_seed is not None,
        generator=generator,
        num_workers=workers,
        persistent_workers=False,
        drop_last=False,
    )
