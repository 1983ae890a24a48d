#!/usr/bin/env bash
# Creates the git-ignored Python virtualenv for wav2arkit; returns at once when it is current.
# `setup.sh eval` installs only what the evaluation needs (no torch); without argument, everything for training.
# The runtime never needs Python.
set -euo pipefail
root="$(cd "$(dirname "$0")/../.." && pwd)"
venv="$root/.venv"
eval_requirements=(numpy==2.4.6 scipy==1.17.1 onnxruntime==1.32.0)
# torch from PyPI is the CUDA build (it needs its nvidia-* wheels to import) but trains on CPU only here.
train_requirements=("${eval_requirements[@]}" torch==2.15.0 onnx==1.23.2)
if [ "${1:-train}" = eval ]; then requirements=("${eval_requirements[@]}"); else requirements=("${train_requirements[@]}"); fi
if ! ldconfig -p 2>/dev/null | grep -q libespeak-ng.so.1; then
  echo "[wav2arkit setup] libespeak-ng.so.1 is missing: apt-get install -y espeak-ng libespeak-ng1" >&2
  exit 1
fi
# Training speaks with more engines than espeak-ng (voices.py): flite and festival with their voices, from Debian.
if [ "${1:-train}" != eval ]; then
  voices=(flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts)
  missing_voices=()
  for package in "${voices[@]}"; do dpkg -s "$package" >/dev/null 2>&1 || missing_voices+=("$package"); done
  if [ ${#missing_voices[@]} -gt 0 ]; then
    if [ "$(id -u)" = 0 ]; then
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_voices[@]}" >/dev/null \
        || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing_voices[@]}" >/dev/null; }
    else
      echo "[wav2arkit setup] missing Debian packages for training voices: ${missing_voices[*]}" >&2
      exit 1
    fi
  fi
fi
stamp="$venv/.wav2arkit-requirements"
installed="$(cat "$stamp" 2>/dev/null || true)"
missing=()
for requirement in "${requirements[@]}"; do
  grep -qxF "$requirement" <<<"$installed" || missing+=("$requirement")
done
[ ${#missing[@]} -eq 0 ] && exit 0
[ -x "$venv/bin/python" ] || python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check "${missing[@]}"
printf '%s\n' $installed "${missing[@]}" | sort -u >"$stamp"
