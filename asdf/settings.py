"""Typed settings, grouped by concern; one `Settings` object is built per run block and passed down."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional


@dataclass
class PathSettings:
    """Where things are. Relative paths are resolved against the repository root."""

    output_folder: str = "output"  # recipes write to <output_folder>/<recipe.system>/
    shared_data: str = "../shared/data"  # real speech, official weights and reference outputs
    asvspoof2019_la: str = ""  # folder that contains LA/ (the official ASVspoof 2019 LA layout)
    demo_la: str = "output/corpora/demo_la"  # the demo corpus, built in the ASVspoof 2019 LA layout


@dataclass
class ComputingSettings:
    """Machine settings: devices, workers, numeric precision."""

    use_gpu: bool = True  # use CUDA when available; False forces the CPU
    gpu_ids: list = field(default_factory=lambda: [0])  # CUDA devices, one per rank
    network_dataloader_workers: int = 2  # DataLoader worker processes for training and scoring
    sad_workers: int = 2  # processes that read audio in sad-off
    torch_threads: int = 0  # intra-op CPU threads; 0 keeps torch's default
    precision: str = "fp32"  # 'fp32' | 'bf16' | 'fp16': autocast for training and scoring
    compile: bool = False  # wrap the model in torch.compile


@dataclass
class DataSettings:
    """Which corpus and lists, and how utterances are cut into network inputs."""

    corpus: str = "asvspoof2019_la"  # 'asvspoof2019_la' | 'demo_la' (same layout, root from paths.<corpus>)
    train_list: str = "train"
    dev_list: str = "dev"
    eval_lists: list = field(default_factory=lambda: ["dev", "eval"])  # lists scored by `eval`
    sample_rate: int = 16000
    train_samples: int = 64600  # random crop length for training (short files are tiled)
    eval_samples: int = 64600  # evaluation input: the first N samples, as the official AASIST (tiled if short)


@dataclass
class ModelSettings:
    """Which countermeasure to build; architecture numbers left as None take the named preset's."""

    name: str = "aasist"  # 'aasist' | 'aasist-l' | 'rawnet2'
    pretrained: str = ""  # checkpoint to initialise from ('' trains from scratch)
    first_conv: Optional[int] = None  # sinc filter length (AASIST: 128)
    filts: Optional[list] = None  # AASIST: [70, [1, 32], [32, 32], [32, 64], [64, 64]]
    gat_dims: Optional[list] = None  # AASIST: [64, 32]
    pool_ratios: Optional[list] = None  # AASIST: [0.5, 0.7, 0.5, 0.5]
    temperatures: Optional[list] = None  # AASIST: [2.0, 2.0, 100.0, 100.0]


@dataclass
class TrainingSettings:
    """Optimisation, as in the AASIST paper by default."""

    epochs: int = 100
    batch_size: int = 24
    learning_rate: float = 1e-4
    min_learning_rate: float = 5e-6  # the cosine schedule's floor
    weight_decay: float = 1e-4
    betas: list = field(default_factory=lambda: [0.9, 0.999])
    class_weights: list = field(default_factory=lambda: [0.1, 0.9])  # [spoof, bona fide]: bona fide is class 1
    seed: int = 1234
    progress_interval_s: float = 30.0  # seconds between progress lines when stdout is not a terminal
    max_steps_per_epoch: int = 0  # 0: the whole list each epoch


@dataclass
class SadSettings:
    """`sad-off`: no speech activity detection, only utterance lengths."""

    min_samples: int = 1  # shorter (e.g. empty) files are rejected


@dataclass
class EvalSettings:
    """Which checkpoints `eval` scores and how."""

    checkpoints: list = field(default_factory=lambda: ["best"])  # names under checkpoints/: best, last, epoch_003
    batch_size: int = 32


@dataclass
class RecipeSettings:
    """Which stages a run block runs, and under which system name its outputs live."""

    system: str = "aasist"  # output subfolder: <paths.output_folder>/<system>
    stages: list = field(default_factory=list)  # filled from the run config's name when it names a stage
    force: bool = False  # rerun stages whose outputs already exist


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
    recipe: RecipeSettings = field(default_factory=RecipeSettings)
