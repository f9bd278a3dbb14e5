# Run configs of the SSL-AASIST recipe (wav2vec 2.0 / XLS-R front end + AASIST back end, Tak et al. 2022).
# `name` or `name < parent, parent` starts a block of `group.field = value` lines (literals, never executed).
# A block named after a stage (sad-off, train, eval, score) runs that stage; others say what they run with
# recipe.stages. Every block starts from the defaults and configs/init_config.py.
#
# The SSL model is read from model.ssl_model: a Hugging Face hub id found in the local cache, or a folder written
# by save_pretrained or by `asdf convert-fairseq xlsr2_300m.pt FOLDER`. Nothing is downloaded unless
# model.ssl_allow_download = True.

# ---- ASVspoof 2019 LA training, as published (LA model: RawBoost algorithm 5) ----
ssl-aasist
model.name = 'ssl-aasist'
model.ssl_model = 'facebook/wav2vec2-xls-r-300m'
model.ssl_layer = -1

sad-off < ssl-aasist
data.corpus = 'asvspoof2019_la'

train < sad-off
data.train_samples = 64600
data.eval_samples = 64600
training.epochs = 100
training.batch_size = 14
training.optimizer = 'adam'
training.learning_rate = 1e-6
training.schedule = 'constant'
training.weight_decay = 1e-4
training.class_weights = [0.1, 0.9]
rawboost.algorithm = 5

eval < train
eval.checkpoints = ['best']
data.eval_lists = ['dev', 'eval']

score < eval

# the DF model: RawBoost algorithm 3 (stationary signal-independent noise), in its own output folder
train-df < train
rawboost.algorithm = 3
recipe.system = 'wav2vec_aasist_df'

# ---- the published evaluation: ASVspoof 2021 LA and DF eval (set their paths in configs/init_config.py) ----
eval-2021 < eval
data.eval_lists = ['dev', 'asvspoof2021_la.eval', 'asvspoof2021_df.eval']
recipe.stages = ['sad-off', 'eval', 'score']

# ---- side by side on every corpus on this machine (corpora whose paths.<corpus> is empty or not a folder are left
# out with one logged line each); add compare.systems = ['wav2vec_aasist', 'aasist'] to set it beside AASIST ----
compare < eval
data.eval_lists = ['dev', 'eval', 'asvspoof2021_la.eval', 'asvspoof2021_df.eval', 'asvspoof5.eval', 'in_the_wild.eval', 'ood_dev.eval']
data.skip_unavailable_lists = True
recipe.stages = ['sad-off', 'eval', 'compare']

# XLS-R 300M on a smaller card: bf16 autocast and recomputed SSL activations (see the README's memory table)
train-lowmem < train
computing.precision = 'bf16'
model.ssl_gradient_checkpointing = True

# ---- the demo corpus (python utils/make_demo_corpus.py) with a tiny random SSL model, on a CPU in minutes ----
# python utils/make_tiny_ssl_model.py output/ssl/tiny-wav2vec2 first: it checks the recipe's plumbing, not
# XLS-R's accuracy (a random tiny front end learns little).
demo-data
data.corpus = 'demo_la'
recipe.system = 'wav2vec_aasist_demo'
model.ssl_model = 'output/ssl/tiny-wav2vec2'
data.train_samples = 16000
data.eval_samples = 16000
computing.network_dataloader_workers = 1
training.progress_interval_s = 10.0

sad-off-demo < sad-off, demo-data

train-demo < train, demo-data
training.epochs = 2
training.batch_size = 16
training.learning_rate = 1e-4
training.max_steps_per_epoch = 40

eval-demo < eval, train-demo

score-demo < score, train-demo

# all four stages in one go
demo < train-demo
recipe.stages = ['sad-off', 'train', 'eval', 'score']
