"""A trained countermeasure applied to audio: model loading, windowing, batching, aggregation and
result files of `asdf score`; utterance lists scored in batches (the eval stage, dev scoring in training); export
to ONNX and TorchScript. May import: `asdf.base`, `asdf.data`, `asdf.compute`, `asdf.metrics`, `asdf.models`,
`asdf.pretrained`."""

from asdf.inference.file_records import AGGREGATIONS, ScoreOptions
from asdf.inference.pipeline import FileResult, score_files
from asdf.inference.runner import BatchSummary, run_batch
from asdf.inference.scorers import OFFICIAL_MODELS, Scorer, load_scorer

__all__ = ["AGGREGATIONS", "OFFICIAL_MODELS", "BatchSummary", "FileResult", "ScoreOptions", "Scorer",
           "load_scorer", "run_batch", "score_files"]
