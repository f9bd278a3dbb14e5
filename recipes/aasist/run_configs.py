# Run configs of the AASIST recipe: `name` or `name < parent, parent` starts a block of `group.field = value`
# lines (literals, never executed). A block named after a stage (sad-off, train, eval, score) runs that stage;
# others say what they run with recipe.stages. Every block starts from the defaults and configs/init_config.py.

# ---- ASVspoof 2019 LA, as in the AASIST paper ----
sad-off
data.corpus = 'asvspoof2019_la'

train < sad-off
model.name = 'aasist'
data.train_samples = 64600
training.epochs = 100
training.batch_size = 24
training.learning_rate = 1e-4
training.min_learning_rate = 5e-6
training.weight_decay = 1e-4
training.class_weights = [0.1, 0.9]

eval < train
eval.checkpoints = ['best']
data.eval_lists = ['dev', 'eval']

score < eval

# AASIST-L: the light configuration, in its own output folder
train-light < train
model.name = 'aasist-l'
recipe.system = 'aasist-l'

# ---- the model trained above, scored on more corpora (set paths.asvspoof2021_la etc. in configs/init_config.py) ----
eval-more < eval
data.eval_lists = ['dev', 'eval', 'asvspoof2021_la.eval', 'asvspoof2021_df.eval', 'asvspoof5.eval', 'in_the_wild.eval']
recipe.stages = ['sad-off', 'eval', 'score']

# ---- several systems side by side on every corpus on this machine: corpora whose paths.<corpus> is empty or not a
# folder are left out with one logged line each; the comparison is written to <output>/<system>/compare/ ----
compare < eval
data.eval_lists = ['dev', 'eval', 'asvspoof2021_la.eval', 'asvspoof2021_df.eval', 'asvspoof5.eval', 'in_the_wild.eval', 'ood_dev.eval']
data.skip_unavailable_lists = True
recipe.stages = ['sad-off', 'eval', 'compare']

# AASIST-L scored on the same lists, then both systems in one table (output/aasist/compare/)
compare-light < compare, train-light
recipe.stages = ['sad-off', 'eval']

compare-both < compare
compare.systems = ['aasist', 'aasist-l']
recipe.stages = ['compare']

# ---- the demo corpus (python utils/make_demo_corpus.py): minutes on a 2-core CPU ----
demo-data
data.corpus = 'demo_la'
recipe.system = 'aasist-demo'
data.train_samples = 8000
data.eval_samples = 16000
computing.network_dataloader_workers = 1
training.progress_interval_s = 10.0

sad-off-demo < sad-off, demo-data

train-demo < train, demo-data
# fine-tunes the official AASIST weights: from random weights a few CPU minutes teach it little (dev EER ~40 %);
# for that, add model.pretrained='' training.epochs=4 training.learning_rate=5e-4 recipe.system=aasist-demo-scratch
model.pretrained = '../shared/data/pretrained/aasist/AASIST.pth'
training.epochs = 3
training.batch_size = 16
training.learning_rate = 1e-4
training.min_learning_rate = 1e-5

eval-demo < eval, train-demo

score-demo < score, train-demo

# all four stages in one go
demo < train-demo
recipe.stages = ['sad-off', 'train', 'eval', 'score']

# the demo model on the demo lists and the out-of-domain set of the shared data (ood_dev.eval)
compare-demo < compare, train-demo
recipe.stages = ['sad-off', 'eval', 'compare']

# ---- the open spoofing corpus (asdf corpus build open-spoof --out output/corpora/open_spoof): the demo's
# CPU-sized fine-tuning of the official weights, on real speech and fakes from free synthesis engines ----
open-data
data.corpus = 'open_spoof'
recipe.system = 'aasist-open'

sad-off-open < sad-off-demo, open-data

open < demo, open-data

# the open-corpus model on its lists and the out-of-domain set of the shared data (ood_dev.eval)
compare-open < compare-demo, open-data

# ---- the first shipped model, asdf-open-v1 (asdf/pretrained; the default is now recipes/whisper_tiny's): the
# official AASIST-L fine-tuned on the open corpus, with 2 s crops, RawBoost and codec/channel augmentation, scored
# on whole files; about an hour on a 2-core CPU. Then `python utils/package_model.py output/aasist-l-open
# --name asdf-open-v1` calibrates it on dev and packages it ----
open-l < open
model.name = 'aasist-l'
model.pretrained = '../shared/data/pretrained/aasist/AASIST-L.pth'
recipe.system = 'aasist-l-open'
data.train_samples = 32000
data.eval_lists = ['dev', 'eval', 'ood_dev.eval']
training.epochs = 2
training.batch_size = 16
training.learning_rate = 1e-4
training.min_learning_rate = 1e-5
eval.input = 'full'
rawboost.algorithm = 5
augment.probability = 0.3

# the same recipe for the full AASIST (4x the CPU time of AASIST-L per step)
open-aasist < open-l
model.name = 'aasist'
model.pretrained = '../shared/data/pretrained/aasist/AASIST.pth'
recipe.system = 'aasist-open-full'
training.batch_size = 8
training.epochs = 1
training.learning_rate = 1e-4
