"""The only module that knows the output layout of a recipe run."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from asdf.base.settings import PathSettings


def resolve(project_root: Path, value: str) -> Path:
    """Resolve a path setting: absolute as given, relative against the project root."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (project_root / path).resolve()


@dataclass(frozen=True)
class OutputLayout:
    """Paths of everything a recipe writes under <paths.output_folder>/<recipe.system>/."""

    root: Path

    @classmethod
    def for_system(cls, project_root: Path, paths: PathSettings, system: str) -> "OutputLayout":
        """The layout of system `system` under the configured output folder."""
        return cls(resolve(project_root, paths.output_folder) / system)

    def stage_config(self, stage: str) -> Path:
        """Resolved settings used by `stage`."""
        return self.root / "config" / f"{stage}.yaml"

    def stage_record(self, stage: str) -> Path:
        """What `stage` consumed: the settings it depends on and fingerprints of its input files."""
        return self.root / "records" / f"{stage}.json"

    def running_marker(self, stage: str) -> Path:
        """Present while `stage` runs: the process id, host and start time (read by `run.py status`)."""
        return self.root / "records" / f"{stage}.running"

    def training_progress(self) -> Path:
        """The latest progress line of training as JSON: epoch, step, rate, ETA (read by `run.py status`)."""
        return self.root / "logs" / "progress.json"

    def set_aside_folder(self, stage: str, timestamp: str) -> Path:
        """Where an earlier run's work is kept when `stage` starts anew with other inputs."""
        return self.root / "previous" / f"{stage}-{timestamp}"

    def utterance_list(self, list_name: str) -> Path:
        """Usable utterances of a list with their lengths in samples (written by sad-off)."""
        return self.root / "lists" / f"{list_name}.tsv"

    def rejected_list(self) -> Path:
        """Unreadable or empty files found by sad-off, with the reason."""
        return self.root / "lists" / "rejected.tsv"

    def asv_scores(self, list_name: str) -> Path:
        """The corpus' ASV scores for a list, copied by sad-off so later stages need no corpus access."""
        return self.root / "lists" / f"{list_name}.asv_scores.tsv"

    def checkpoint(self, name: str) -> Path:
        """A checkpoint: epoch_003, best, last."""
        return self.root / "checkpoints" / f"{name}.pt"

    def training_summary(self) -> Path:
        """Written when training has finished all epochs: marks the train stage done."""
        return self.root / "checkpoints" / "training_done.json"

    def training_metrics(self) -> Path:
        """One JSON line per epoch: loss, learning rate, dev EER, time."""
        return self.root / "logs" / "metrics.jsonl"

    def training_curves(self) -> Path:
        """Loss, dev EER and learning rate per epoch, as a picture."""
        return self.root / "logs" / "metrics.png"

    def log_file(self, stage: str) -> Path:
        """The log of one stage."""
        return self.root / "logs" / f"{stage}.log"

    def scores(self, list_name: str, checkpoint: str) -> Path:
        """CM scores of a list by a checkpoint, 2019 format `UTT SYSTEM KEY SCORE`, higher = bona fide."""
        return self.root / "scores" / f"{list_name}.{checkpoint}.txt"

    def results_folder(self) -> Path:
        """Per-list results (json, md) and plots/."""
        return self.root / "results"

    def result_name(self, list_name: str, checkpoint: str) -> str:
        """Base name of the result files of a list scored by a checkpoint."""
        return f"{list_name}.{checkpoint}"

    def result_file(self, list_name: str, checkpoint: str) -> Path:
        """The metrics (JSON) of a list scored by a checkpoint, as the eval stage writes them."""
        return self.results_folder() / f"{self.result_name(list_name, checkpoint)}.json"

    def compare_folder(self) -> Path:
        """The comparison of the compare stage: comparison.{md,csv,tex,json}, breakdown.csv and plots/."""
        return self.root / "compare"

    def final_folder(self) -> Path:
        """Deliverables of the score stage: score files in ASVspoof formats and the results table."""
        return self.root / "final"

    def final_scores(self, list_name: str, checkpoint: str, score_format: str) -> Path:
        """A list's scores in an ASVspoof format (asvspoof2019, asvspoof2021), as the score stage delivers them."""
        return self.final_folder() / f"{self.result_name(list_name, checkpoint)}.{score_format}.txt"

    def final_results(self, suffix: str) -> Path:
        """The score stage's results table of every list: 'txt' or 'json'."""
        return self.final_folder() / f"results.{suffix}"
