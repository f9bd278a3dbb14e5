"""The ASV system of the corpora built here, which makes their ASV scores (needed for the 2019 t-DCF).

How the ASV scores are made: every 16 kHz file is cut into 32 ms Hann frames every 10 ms; a 40-band
HTK-mel filterbank (0-8 kHz) on the power spectrum, log, and a DCT-II give MFCCs c1-c20 (c0 dropped).
Frames more than 30 dB below the file's loudest frame are discarded as silence. The utterance embedding
is the per-coefficient mean and standard deviation of the remaining frames (40 values), centred by
subtracting the mean embedding of the training split's bona fide files and scaled to unit length. A
speaker model is the normalised mean of the embeddings of its enrolment utterances (three per dev/eval
speaker with enough recordings; enrolment files are in the flac folder, listed in the ASV `trn` lists,
and never CM or ASV trials). The score is the cosine similarity between model and trial embedding.
Trials: each bona fide trial of an enrolled speaker against its own model (target), each bona fide trial
against one other enrolled speaker drawn at random (nontarget), and each spoof made from an enrolled
speaker's speech against that speaker's model (spoof; SOURCE is the attack id).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.fft import dct

from asdf.base.fileio import atomic_write_text
from asdf.corpus_builders.spoofing.dsp import SAMPLE_RATE, mel_filterbank, stft
from asdf.data.audio import read_audio

N_FFT, HOP, N_MELS, N_MFCC = 512, 160, 40, 20
SPEECH_RANGE_DB = 30.0


@dataclass(frozen=True)
class AsvTrial:
    """One line of an ASV trial list: claimed speaker, utterance, source (bonafide or attack) and key."""

    claimed: str
    utt_id: str
    source: str
    key: str


def mfcc(power: np.ndarray) -> np.ndarray:
    """MFCCs c1..c20 of power spectra (frames, bins), shape (frames, 20)."""
    log_mel = np.log(power @ mel_filterbank(N_MELS, N_FFT, SAMPLE_RATE).T + 1e-10)
    return dct(log_mel, type=2, norm="ortho", axis=-1)[:, 1 : N_MFCC + 1]


def raw_embedding(waveform: np.ndarray) -> np.ndarray:
    """Mean and standard deviation of the MFCCs of the non-silent frames (40 values)."""
    power = np.abs(stft(waveform, N_FFT, HOP)) ** 2
    frame_energy = 10.0 * np.log10(power.mean(axis=-1) + 1e-12)
    coefficients = mfcc(power)[frame_energy > frame_energy.max() - SPEECH_RANGE_DB]
    return np.concatenate([coefficients.mean(axis=0), coefficients.std(axis=0)])


def _unit(vectors: np.ndarray) -> np.ndarray:
    """Rows scaled to unit length."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=-1, keepdims=True), 1e-12)


class DemoAsv:
    """Cosine scoring of centred MFCC-statistics embeddings against per-speaker enrolment models."""

    def __init__(self, background: list[Path]) -> None:
        self.centre = np.mean([raw_embedding(read_audio(path, SAMPLE_RATE)) for path in background], axis=0)
        self._cache: dict[Path, np.ndarray] = {}

    def embedding(self, path: Path) -> np.ndarray:
        """Centred unit-length embedding of one file (computed once)."""
        if path not in self._cache:
            self._cache[path] = _unit(raw_embedding(read_audio(path, SAMPLE_RATE)) - self.centre)
        return self._cache[path]

    def speaker_model(self, enrolment: list[Path]) -> np.ndarray:
        """Unit-length mean of the enrolment embeddings."""
        return _unit(np.mean([self.embedding(path) for path in enrolment], axis=0))

    def score(self, model: np.ndarray, path: Path) -> float:
        """Cosine similarity of a speaker model and a trial file."""
        return float(model @ self.embedding(path))


def make_trials(
    cm_trials: list[tuple[str, str, str]], enrolled: list[str], rng: np.random.Generator
) -> list[AsvTrial]:
    """ASV trials from CM trials (speaker, utt_id, system) against the sorted `enrolled` speakers."""
    trials = []
    for speaker, utt_id, system in cm_trials:
        bona_fide = system == "-"
        if speaker in enrolled:
            source, key = ("bonafide", "target") if bona_fide else (system, "spoof")
            trials.append(AsvTrial(speaker, utt_id, source, key))
        others = [candidate for candidate in enrolled if candidate != speaker]
        if bona_fide and others:
            trials.append(AsvTrial(str(rng.choice(others)), utt_id, "bonafide", "nontarget"))
    return trials


def score_trials(asv: DemoAsv, trials: list[AsvTrial], enrolment: dict[str, list[Path]], flac: Path) -> list[float]:
    """The ASV score of every trial, in order."""
    models = {speaker: asv.speaker_model(paths) for speaker, paths in enrolment.items()}
    return [asv.score(models[trial.claimed], flac / f"{trial.utt_id}.flac") for trial in trials]


def write_asv_files(
    la_dir: Path, split: str, enrolment: dict[str, list[Path]], trials: list[AsvTrial], scores: list[float]
) -> None:
    """Write the enrolment list (`SPEAKER UTT,UTT,..`), trials (`CLAIMED UTT SOURCE KEY`), scores (`SOURCE KEY SCORE`)."""
    protocols = la_dir / "ASVspoof2019_LA_asv_protocols"
    enrol_lines = "".join(f"{spk} {','.join(path.stem for path in paths)}\n" for spk, paths in sorted(enrolment.items()))
    atomic_write_text(protocols / f"ASVspoof2019.LA.asv.{split}.gi.trn.txt", enrol_lines)
    trial_lines = "".join(f"{t.claimed} {t.utt_id} {t.source} {t.key}\n" for t in trials)
    atomic_write_text(protocols / f"ASVspoof2019.LA.asv.{split}.gi.trl.txt", trial_lines)
    score_lines = "".join(f"{t.source} {t.key} {score:.6f}\n" for t, score in zip(trials, scores))
    scores_path = la_dir / "ASVspoof2019_LA_asv_scores" / f"ASVspoof2019.LA.asv.{split}.gi.trl.scores.txt"
    atomic_write_text(scores_path, score_lines)
