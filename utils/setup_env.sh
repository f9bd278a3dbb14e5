#!/usr/bin/env bash
# Create ./.venv with asdf and its pinned dependencies, unless it is already up to date with pyproject.toml.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ -f "$stamp" ]; then
    exit 0
fi
echo "setting up .venv with $python_bin (first run: downloads torch, a few minutes)"
[ -x .venv/bin/python ] || "$python_bin" -m venv .venv
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[test]"
rm -f .venv/.installed-*
touch "$stamp"
