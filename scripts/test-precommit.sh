#!/usr/bin/env bash
# Runs the pre-commit framework test (tests/precommit/test_hook.py) in a virtual environment.
#   scripts/test-precommit.sh [VENV]     (default: .venv)
# TOKENHOUND_PRECOMMIT_MODE=build makes the framework build the hook from this repository with
# cargo (slow the first time); the default runs the built binary through the framework.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check pre-commit pytest
cargo build --quiet -p tokenhound-cli
export PATH="$(cd "$venv/bin" && pwd):$PATH"
exec "$venv/bin/python" -m pytest -q tests/precommit "${@:2}"
