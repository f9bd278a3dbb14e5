#!/usr/bin/env bash
# The demo end to end: sets up .venv, builds the demo corpus from the shared real speech, then runs the
# AASIST recipe's sad-off, train, eval and score stages on it (minutes on a 2-core CPU).
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/setup_env.sh  # also stops when .venv's asdf is another package
shared=${ASDF_SHARED_DATA:-../shared/data}
.venv/bin/python utils/make_demo_corpus.py --source "$shared" --out output/corpora/demo_la
.venv/bin/python -u recipes/aasist/run.py sad-off-demo train-demo eval-demo score-demo "paths.shared_data=$shared" \
    "model.pretrained=$shared/pretrained/aasist/AASIST.pth" "$@"
echo "results: output/aasist-demo/final/results.txt"
