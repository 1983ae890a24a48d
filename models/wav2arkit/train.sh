#!/usr/bin/env bash
# Retrains wav2arkit from scratch: virtualenv, synthetic corpus (espeak-ng, Piper, flite, festival), training, ONNX
# export, TypeScript fixtures, evaluation. About 15-25 minutes on two cores (torch itself uses one thread). The
# Piper voice comes from scripts/install-piper.sh (run by npm start / npm test).
set -euo pipefail
export PYTHONDONTWRITEBYTECODE=1
here="$(cd "$(dirname "$0")" && pwd)"
bash "$here/setup.sh"
py="$here/../../.venv/bin/python"
cd "$here"
"$py" data.py --train "${WAV2ARKIT_TRAIN_UTTERANCES:-3600}" --heldout 160
"$py" train.py --steps "${WAV2ARKIT_STEPS:-14000}"
"$py" fixtures.py
"$py" real.py
"$py" eval.py
