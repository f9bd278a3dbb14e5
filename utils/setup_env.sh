#!/usr/bin/env bash
# Create ./.venv with asdf and its pinned dependencies, unless it is already up to date with pyproject.toml;
# then make sure the `asdf` it imports and runs is this toolkit.
set -euo pipefail
cd "$(dirname "$0")/.."
python_bin=${PYTHON:-$(command -v python3.11 || command -v python3)}
stamp=.venv/.installed-$(cat pyproject.toml utils/setup_env.sh | sha1sum | cut -c1-12)
if [ ! -f "$stamp" ]; then
    echo "setting up .venv with $python_bin (first run: downloads torch, a few minutes)"
    [ -x .venv/bin/python ] || "$python_bin" -m venv .venv
    .venv/bin/python -m pip install --quiet --upgrade pip
    # the optional extras too, so the web demo, ONNX export, PyAV formats and the open corpus' engines are tested
    .venv/bin/python -m pip install --quiet -e ".[test,app,export,formats,open-corpus]"
    bash utils/install_engines.sh || echo "note: Debian TTS engines not installed; asdf corpus engines lists the missing"
    rm -f .venv/.installed-*
    touch "$stamp"
fi
# `asdf` is also another PyPI package (the ASDF Standard) and a version manager's command: say so if one shadows ours
if ! .venv/bin/python -I -c "import asdf; asdf.DISTRIBUTION" 2>/dev/null; then
    echo "error: .venv imports another package named asdf (the ASDF Standard, from pip install asdf), not this" \
         "toolkit: run .venv/bin/pip uninstall -y asdf, then this script again" >&2
    exit 1
fi
on_path=$(command -v asdf || true)
if [ -n "$on_path" ] && ! grep -qs asdf.cli "$on_path"; then
    echo "note: the asdf on your PATH ($on_path) is another program; run this toolkit as" \
         ".venv/bin/asdf-antispoof (asdf-antispoof once .venv is activated)" >&2
fi
