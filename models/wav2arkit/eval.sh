#!/usr/bin/env bash
# Evaluates the committed wav2arkit.onnx: held-out synthetic voices (made here if missing) and, when Debian's
# pocketsphinx-testdata is installed, real recorded speech. Python onnxruntime, one thread.
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup.sh" eval
py="$here/../../.venv/bin/python"
data="$here/../../.data/wav2arkit"
cd "$here"
held=("$data"/heldout-{clean,noisy,neural,festival-flite}.npz)
for f in "${held[@]}"; do [ -f "$f" ] || { "$py" data.py --heldout-only --heldout 160; break; }; done
# Real recorded speech comes from Debian's pocketsphinx-testdata; install it when we can, else skip that part.
if [ ! -d /usr/share/pocketsphinx/test/data ] && [ "$(id -u)" = 0 ]; then
  apt-get install -y -qq pocketsphinx-testdata >/dev/null 2>&1 \
    || { apt-get update -qq && apt-get install -y -qq pocketsphinx-testdata >/dev/null; } || true
fi
[ -f "$data/real-pocketsphinx.npz" ] || "$py" real.py
"$py" eval.py
