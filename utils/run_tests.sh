#!/usr/bin/env bash
# The test suite: sets up .venv if needed, then runs pytest (extra arguments are passed to pytest).
set -euo pipefail
cd "$(dirname "$0")/.."
bash utils/setup_env.sh
exec .venv/bin/python -m pytest -q "$@" tests
