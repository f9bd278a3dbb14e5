"""Recipe stages (sad-off, train, eval, score, compare): short functions that read files in the
output folder, call the library and write files. May import: `asdf.base`, `asdf.data`, `asdf.compute`,
`asdf.corpora`, `asdf.models`, `asdf.inference`, `asdf.training`, `asdf.reports`, `asdf.runner`; no part of the
library imports them."""

from asdf.runner.recipe import Stage
from asdf.stages import compare, sad_off, score, train
from asdf.stages import eval as eval_stage

STAGES = (
    Stage("sad-off", "read every list once; cache utterance lengths; reject unreadable, empty or silent files",
          sad_off.run, sad_off.outputs, sad_off.inputs),
    Stage("train", "train the model; a checkpoint per epoch, best.pt by dev EER, last.pt to resume",
          train.run, train.outputs, train.inputs, resumable_work=train.resumable_work, check=train.check),
    Stage("eval", "score the lists with the chosen checkpoints; EER, min t-DCF, per-attack results, plots",
          eval_stage.run, eval_stage.outputs, eval_stage.inputs),
    Stage("score", "final score files in ASVspoof formats and a results table with the settings behind it",
          score.run, score.outputs, score.inputs),
    Stage("compare", "several systems' eval scores side by side on every eval list; one pooled threshold; plots",
          compare.run, compare.outputs, compare.inputs),
)
