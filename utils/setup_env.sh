#!/usr/bin/env bash
# Create ./.venv with asdf and its pinned dependencies, unless it is already up to date with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.installed-$(cat pyproject.toml utils/setup_env.sh | sha1sum | cut -c1-12)
if [ -f "$stamp" ]; then
    exit 0
fi
echo "setting up .venv with $python_bin (first run: downloads torch, a few minutes)"
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
# the optional extras too, so the web demo, ONNX export and PyAV formats are tested
.venv/bin/python -m pip install --quiet -e ".[test,app,export,formats]"
rm -f .venv/.installed-*
touch "$stamp"
