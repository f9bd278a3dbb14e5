"""Typed settings, grouped by concern; one `Settings` object is built per run block and passed down.

A field's type says what it accepts: `Literal[...]` lists its allowed values, checked by the settings language.
Names kept in a registry beside the code that uses them (corpora, models, optimisers, schedules, codecs) are
checked against that registry by `asdf.runner.settings_checks`; the field's comment names it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional


@dataclass
class PathSettings:
    """Where things are. Relative paths are resolved against the repository root."""

    output_folder: str = "output"  # recipes write to <output_folder>/<recipe.system>/
    shared_data: str = "../shared/data"  # real speech, official weights and reference outputs
    asvspoof2019_la: str = ""  # folder that contains LA/ (the official ASVspoof 2019 LA layout)
    demo_la: str = "output/corpora/demo_la"  # the demo corpus, built in the ASVspoof 2019 LA layout
    open_spoof: str = "output/corpora/open_spoof"  # the open spoofing corpus (asdf corpus build open-spoof)
    asvspoof2021_la: str = ""  # folder with ASVspoof2021_LA_eval/ and keys/LA/ (ASVspoof 2021 LA eval + keys)
    asvspoof2021_df: str = ""  # folder with ASVspoof2021_DF_eval/ and keys/DF/ (ASVspoof 2021 DF eval + keys)
    asvspoof5: str = ""  # folder with flac_T/, flac_D/, flac_E_eval/ and the ASVspoof5.*.tsv protocols
    in_the_wild: str = ""  # folder that contains release_in_the_wild/ (audio and meta.csv)
    plain_list: str = ""  # folder of <list>.txt files, lines `path label [attack] [speaker]`
    ood_dev: str = "../shared/data/ood-dev"  # folder with manifest.csv (path,label,system,group,...): evaluation only


@dataclass
class ComputingSettings:
    """Machine settings: devices, workers, numeric precision."""

    use_gpu: bool = True  # use CUDA when available; False forces the CPU
    gpu_ids: list = field(default_factory=lambda: [0])  # CUDA devices, one per rank
    network_dataloader_workers: int = 2  # DataLoader worker processes for training and scoring
    sad_workers: int = 2  # processes that read audio in sad-off
    torch_threads: int = 0  # intra-op CPU threads; 0 keeps torch's default
    precision: Literal["fp32", "bf16", "fp16"] = "fp32"  # autocast for training and scoring
    compile: bool = False  # wrap the model in torch.compile
    keep_freed_memory: bool = False  # glibc keeps freed memory for reuse: faster CPU steps, more peak memory
    write_retry_s: float = 600.0  # an epoch's checkpoints that cannot be written (disk full) are retried this long


@dataclass
class DataSettings:
    """Which corpus and lists, and how utterances are cut into network inputs."""

    corpus: str = "asvspoof2019_la"  # asdf.corpora.CORPUS_NAMES; default corpus of unqualified list names
    train_list: str = "train"  # list to train on; '<corpus>.<list>' (e.g. 'asvspoof5.train') names another corpus
    extra_train_lists: list = field(default_factory=list)  # lists mixed into training, e.g. ['asvspoof5.train']
    dev_list: str = "dev"  # list whose EER picks the best epoch
    eval_lists: list = field(default_factory=lambda: ["dev", "eval"])  # lists scored by `eval` (qualified names ok)
    skip_unavailable_lists: bool = False  # leave out eval lists whose paths.<corpus> is empty or not a folder (logged)
    sample_rate: int = 16000  # every file is resampled to this rate on reading
    train_samples: int = 64600  # random crop length for training (short files are tiled)
    eval_samples: int = 64600  # evaluation input: the first N samples, as the official AASIST (tiled if short)
    balance_attacks: bool = False  # training epochs draw half bona fide, half spoof, every attack equally often


@dataclass
class ModelSettings:
    """Which countermeasure to build; architecture numbers left as None take the named preset's."""

    name: str = "aasist"  # asdf.models.MODEL_NAMES: aasist, aasist-l, rawnet2, ssl-aasist, whisper-tiny
    pretrained: str = ""  # checkpoint to initialise from ('' trains from scratch)
    first_conv: Optional[int] = None  # sinc filter length (AASIST: 128)
    filts: Optional[list] = None  # AASIST: [70, [1, 32], [32, 32], [32, 64], [64, 64]]; SSL-AASIST: 6 [in, out] pairs
    gat_dims: Optional[list] = None  # AASIST: [64, 32]
    pool_ratios: Optional[list] = None  # AASIST: [0.5, 0.7, 0.5, 0.5]
    temperatures: Optional[list] = None  # AASIST: [2.0, 2.0, 100.0, 100.0]
    ssl_model: str = "facebook/wav2vec2-xls-r-300m"  # ssl-aasist: transformers hub id or local folder
    ssl_allow_download: bool = False  # ssl-aasist: may fetch ssl_model from the Hugging Face Hub if not cached
    ssl_cache_dir: str = ""  # ssl-aasist: Hugging Face cache folder ('': $HF_HUB_CACHE, else $HF_HOME/hub)
    ssl_layer: int = -1  # ssl-aasist: hidden state fed to the back end (0: transformer input, -1: last layer)
    ssl_weighted_layers: bool = False  # ssl-aasist: a learnt softmax-weighted sum of all hidden states instead
    ssl_freeze: bool = False  # ssl-aasist: keep the SSL model fixed (eval mode, no gradients); False fine-tunes it
    ssl_gradient_checkpointing: bool = False  # ssl-aasist: recompute SSL activations in backward (less memory)
    ssl_normalize: bool = False  # ssl-aasist: zero-mean unit-variance waveforms (the published model uses raw ones)
    trainable_blocks: Optional[int] = None  # whisper-tiny: top encoder blocks fine-tuned, 0-4 (preset: 2)


@dataclass
class TrainingSettings:
    """Optimisation, as in the AASIST paper by default."""

    epochs: int = 100  # passes over the training lists
    batch_size: int = 24  # utterances per optimiser step over all ranks (before accumulation)
    learning_rate: float = 1e-4  # peak learning rate, reached after warm-up
    min_learning_rate: float = 5e-6  # floor of the cosine and plateau schedules
    weight_decay: float = 1e-4  # L2 penalty (adam, sgd) or decoupled decay (adamw)
    betas: list = field(default_factory=lambda: [0.9, 0.999])  # Adam/AdamW moment decay rates
    class_weights: list = field(default_factory=lambda: [0.1, 0.9])  # [spoof, bona fide]: bona fide is class 1
    seed: int = 1234  # seeds initialisation, shuffling, crops, augmentation and dropout
    deterministic: bool = False  # deterministic kernels (slower on GPU); CPU runs are reproducible either way
    progress_interval_s: float = 30.0  # seconds between progress lines when stdout is not a terminal
    max_steps_per_epoch: int = 0  # 0: the whole list each epoch
    optimizer: str = "adam"  # asdf.training.optim.OPTIMIZERS: adam, adamw, sgd
    momentum: float = 0.9  # SGD momentum (Nesterov)
    schedule: str = "cosine"  # asdf.training.optim.SCHEDULES: cosine (per step), step, plateau (dev EER), constant
    warmup_steps: int = 0  # optimiser steps of linear warm-up from 0 to learning_rate
    step_epochs: int = 10  # 'step' schedule: multiply the rate by step_gamma every this many epochs
    step_gamma: float = 0.5  # 'step' schedule factor
    plateau_patience: int = 3  # 'plateau' schedule: epochs without a better dev EER before lowering the rate
    plateau_factor: float = 0.5  # 'plateau' schedule factor
    accumulation_steps: int = 1  # batches whose gradients are summed before each optimiser step
    grad_clip_norm: float = 0.0  # clip the gradient norm to this value; 0 disables clipping
    early_stopping_patience: int = 0  # stop after this many epochs without a better dev EER; 0 never stops early
    average: Literal["none", "swa", "best"] = "none"  # averaged model: swa (last average_epochs, swa.pt), best (avg.pt)
    average_epochs: int = 5  # how many epoch checkpoints the averaged model uses


@dataclass
class SadSettings:
    """`sad-off`: no speech activity detection, only utterance lengths."""

    min_samples: int = 1  # shorter (e.g. empty) files are rejected
    reject_silent: bool = True  # files whose loudest 20 ms frame is not above -60 dBFS are rejected as silent


@dataclass
class EvalSettings:
    """Which checkpoints `eval` scores and how."""

    checkpoints: list = field(default_factory=lambda: ["best"])  # under checkpoints/: best, last, swa, avg, epoch_003
    batch_size: int = 32  # utterances per scoring batch (at most)
    # official: first data.eval_samples (tiled); full: whole files; windows: the mean of the logits of windows of
    # data.eval_samples, as `asdf score` scores a file
    input: Literal["official", "full", "windows"] = "official"
    max_cut: float = 0.05  # 'full': largest share of an utterance cut off so it fits its bucket's length
    max_batch_seconds: float = 240.0  # 'full': at most this much audio in one batch (bounds memory)
    window_overlap: float = 0.5  # 'windows': overlap of consecutive windows (asdf score's default)


@dataclass
class RawBoostSettings:
    """RawBoost (Tak et al., ICASSP 2022) on training crops; defaults are the published parameter values."""

    algorithm: int = 0  # 0 off; 1 LnL, 2 ISD, 3 SSI, 4 1+2+3, 5 1+2, 6 1+3, 7 2+3 in series, 8 1 and 2 in parallel
    filters: int = 5  # LnL: number of convolutive filters (N_f; powers of the signal)
    bands: int = 5  # notch filter bands per filter (nBands)
    min_freq: float = 20.0  # lowest band centre in Hz (minF)
    max_freq: float = 8000.0  # highest band centre in Hz (maxF)
    min_bandwidth: float = 100.0  # narrowest band in Hz (minBW)
    max_bandwidth: float = 1000.0  # widest band in Hz (maxBW)
    min_coefficients: int = 10  # shortest FIR filter (minCoeff)
    max_coefficients: int = 100  # longest FIR filter (maxCoeff)
    min_gain_db: float = 0.0  # lowest filter gain in dB (minG)
    max_gain_db: float = 0.0  # highest filter gain in dB (maxG)
    min_bias_db: float = 5.0  # LnL: gain lowered by at least this for non-linear terms (minBiasLinNonLin)
    max_bias_db: float = 20.0  # LnL: gain lowered by at most this for non-linear terms (maxBiasLinNonLin)
    impulse_percent: float = 10.0  # ISD: at most this percentage of samples get impulsive noise (P)
    impulse_gain: float = 2.0  # ISD: impulsive noise gain (g_sd)
    min_snr_db: float = 10.0  # SSI: lowest signal-to-noise ratio in dB (SNRmin)
    max_snr_db: float = 40.0  # SSI: highest signal-to-noise ratio in dB (SNRmax)


@dataclass
class AugmentSettings:
    """Codec and channel augmentation of training crops, applied after RawBoost."""

    probability: float = 0.0  # chance that a crop goes through one randomly chosen codec or channel
    # the choices, from asdf.augment.AUGMENTATION_NAMES
    codecs: list = field(default_factory=lambda: ["band", "mulaw", "alaw", "mp3", "opus"])
    min_low_hz: float = 50.0  # 'band': lowest high-pass corner
    max_low_hz: float = 400.0  # 'band': highest high-pass corner
    min_high_hz: float = 3000.0  # 'band': lowest low-pass corner
    max_high_hz: float = 7500.0  # 'band': highest low-pass corner
    min_compression: float = 0.2  # mp3/opus/vorbis: lowest libsndfile compression level (0 best quality)
    max_compression: float = 0.9  # mp3/opus/vorbis: highest compression level (1 smallest file)


@dataclass
class RecipeSettings:
    """Which stages a run block runs, and under which system name its outputs live."""

    # output subfolder <paths.output_folder>/<system>; '': the recipe's name for the model its `train` run config
    # trains, else <recipe>-<model.name> (so two models never share a folder)
    system: str = ""
    stages: list = field(default_factory=list)  # filled from the run config's name when it names a stage
    force: bool = False  # rerun stages whose outputs already exist
    seeds: list = field(default_factory=list)  # e.g. [1, 2, 3]: run in <system>-seed<N> with training.seed=N


@dataclass
class CompareSettings:
    """`compare`: several systems' eval scores side by side on every eval list."""

    systems: list = field(default_factory=list)  # output subfolders compared; [] compares recipe.system alone
    checkpoint: str = "best"  # whose scores are compared: scores/<list>.<checkpoint>.txt of each system
    name: str = ""  # output subfolder of the comparison ('' : the first system's): <output>/<name>/compare/
    calibrated: list = field(default_factory=list)  # systems whose scores are calibrated LLRs (actDCF, Cllr reported)
    conditions: list = field(default_factory=lambda: ["attack", "group"])  # list columns broken down where present
    bootstrap: int = 200  # bootstrap resamples of each EER's confidence interval (0: none)


@dataclass
class Settings:
    """All settings of one run block."""

    paths: PathSettings = field(default_factory=PathSettings)
    computing: ComputingSettings = field(default_factory=ComputingSettings)
    data: DataSettings = field(default_factory=DataSettings)
    model: ModelSettings = field(default_factory=ModelSettings)
    training: TrainingSettings = field(default_factory=TrainingSettings)
    sad: SadSettings = field(default_factory=SadSettings)
    eval: EvalSettings = field(default_factory=EvalSettings)
    rawboost: RawBoostSettings = field(default_factory=RawBoostSettings)
    augment: AugmentSettings = field(default_factory=AugmentSettings)
    recipe: RecipeSettings = field(default_factory=RecipeSettings)
    compare: CompareSettings = field(default_factory=CompareSettings)
