#!/usr/bin/env bash
# The test suite: sets up .venv if needed, then runs pytest (extra arguments are passed to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/setup_env.sh  # also stops when .venv's asdf is another package
exec .venv/bin/python -m pytest -q "$@" tests
