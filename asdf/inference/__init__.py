"""Score any audio: model loading, windowing, batching, aggregation, result files (`asdf score`)."""

from asdf.inference.pipeline import FileResult, score_files
from asdf.inference.file_records import AGGREGATIONS, ScoreOptions
from asdf.inference.runner import BatchSummary, run_batch
from asdf.inference.scorers import OFFICIAL_MODELS, Scorer, load_scorer

__all__ = ["AGGREGATIONS", "OFFICIAL_MODELS", "BatchSummary", "FileResult", "ScoreOptions", "Scorer",
           "load_scorer", "run_batch", "score_files"]
