"""Recipe stages: short functions that read files, call the library and write files."""

from asdf.recipe import Stage
from asdf.stages import eval as eval_stage
from asdf.stages import sad_off, score, train

STAGES = (
    Stage("sad-off", "read every list once; cache utterance lengths; reject unreadable or empty files",
          sad_off.run, sad_off.outputs, uses=("data", "sad")),
    Stage("train", "train the model; a checkpoint per epoch, best.pt by dev EER, last.pt to resume",
          train.run, train.outputs, uses=("data", "model", "training", "rawboost", "augment")),
    Stage("eval", "score the lists with the chosen checkpoints; EER, min t-DCF, per-attack results, plots",
          eval_stage.run, eval_stage.outputs, uses=("data", "eval")),
    Stage("score", "final score files in ASVspoof formats and a results table headed by the settings",
          score.run, score.outputs, uses=("data", "eval")),
)
