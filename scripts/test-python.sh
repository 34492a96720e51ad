#!/usr/bin/env bash
# Builds the Python package (crates/py) into a virtual environment and runs its tests.
#
#   scripts/test-python.sh [VENV]     VENV defaults to .venv; created with `python3 -m venv` if
#                                     it does not exist yet.
#
# Needs Python >= 3.9 with pip, and Rust (cargo). Installs maturin, pytest and mypy from PyPI,
# then `pip install ./crates/py` (a release build; CARGO_TARGET_DIR is honoured), which also
# installs the `tokenhound` console script the tests run. Fails on any test failure.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${1:-.venv}"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
py="$(cd "$venv" && pwd)/bin/python"

"$py" -m pip install --quiet --disable-pip-version-check --upgrade "maturin>=1.9.4,<2" pytest mypy
# --no-build-isolation: build with the maturin just installed instead of fetching it again;
# --force-reinstall --no-deps: always rebuild from the working tree.
"$py" -m pip install --quiet --disable-pip-version-check --no-build-isolation \
    --force-reinstall --no-deps "$root/crates/py"

cd "$root/crates/py"
"$py" -m pytest -q -p no:cacheprovider tests
