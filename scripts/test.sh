#!/usr/bin/env bash
# Install (with test tools), then lint, type-check and run every test, real models included.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh --dev
export HF_HUB_OFFLINE=1
echo "==> ruff"; .venv/bin/ruff check assistant tests scripts benchmarks
echo "==> mypy"; .venv/bin/mypy
echo "==> pytest"; .venv/bin/pytest -q -p no:cacheprovider "$@"
