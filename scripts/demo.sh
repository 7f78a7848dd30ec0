#!/usr/bin/env bash
# Install, then the main job on the embedded default: ingest the sample corpus, answer a question with citations.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install.sh
export HF_HUB_OFFLINE=1
.venv/bin/assistant ingest corpora/sample
.venv/bin/assistant ask "Nghị quyết 15 đặt mục tiêu chi cho nghiên cứu và phát triển đến năm 2030 là bao nhiêu phần trăm GRDP?"
