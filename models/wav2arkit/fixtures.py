"""Writes the fixtures that keep the TypeScript runtime equal to this pipeline: fixtures/log-mel.json
(features.py on a fixed signal), fixtures/curves.json (visemes.py targets) and fixtures/runtime.json (what
eval.py's streaming procedure predicts with wav2arkit.onnx for one espeak utterance; rewrite after retraining)."""

import json
from pathlib import Path

import numpy as np

import base64

from scipy.signal import resample_poly

import features
import visemes
from espeak import Espeak

HERE = Path(__file__).parent


def log_mel_fixture() -> dict:
    rate = features.SAMPLE_RATE
    t = np.arange(int(0.3 * rate)) / rate
    rng = np.random.default_rng(7)
    signal = 0.3 * np.sin(2 * np.pi * 220 * t) + 0.2 * np.sin(2 * np.pi * (500 + 3000 * t) * t) + 0.05 * rng.standard_normal(t.size)
    signal[int(0.2 * rate) :] = 0.0  # digital silence at the end, to check the floor
    signal = signal.astype(np.float32).tolist()
    signal += [0.25] * 137  # a trailing partial hop, which must be dropped
    return {"sampleRate": rate, "samples": signal, "logMel": features.log_mel(np.array(signal, np.float32)).tolist()}


def curves_fixture() -> dict:
    cases = [
        ("espeak", [("h", 11, 62), ("@", 62, 112), ("l", 112, 219), ("oU", 219, 436), ("_:", 436, 586), ("m", 586, 659), ("aI", 659, 728), ("b", 740, 790), ("'aI", 790, 795)]),
        ("arpabet", [("HH", 0, 40), ("AH0", 40, 95), ("P", 95, 180), ("IY1", 180, 390), ("S", 380, 470), ("sp", 470, 700), ("W", 700, 760), ("UW1", 760, 900)]),
        ("ipa", [("ð", 20, 70), ("ə", 70, 120), ("ˈmæ", 120, 170), ("p", 170, 240), ("ɪ", 240, 300), ("z", 300, 380), ("ɹ", 380, 430), ("oʊ", 430, 600)]),
    ]
    out = []
    for source, phonemes in cases:
        normalized = [(visemes.normalize(name, source), float(s), float(e)) for name, s, e in phonemes]
        segments = visemes.contiguous_segments(normalized)
        frames = int(np.ceil(max(e for _, _, e in phonemes) * visemes.FPS / 1000)) + 3
        out.append({
            "source": source,
            "phonemes": [{"phoneme": n, "startMs": s, "endMs": e} for n, s, e in phonemes],
            "segments": [{"phoneme": p, "startMs": s, "endMs": e} for p, s, e in segments],
            "curves": visemes.arkit_curves(segments, frames).tolist(),
        })
    return {"fps": visemes.FPS, "cases": out}


def runtime_fixture() -> dict:
    from eval import predict
    from streaming import StreamingModel

    utterance = Espeak().synthesize("Bob fetched a map of the moon.", "en-gb-x-gbcwmd+m7", rate=170)
    samples = resample_poly(utterance.samples, features.SAMPLE_RATE, utterance.sample_rate)
    # A faint noise floor: no frame is digital silence, which the runtime forces to neutral and eval does not.
    samples = samples + np.random.default_rng(3).standard_normal(samples.size) * 3e-4
    pcm = np.clip(np.round(samples * 32768), -32768, 32767).astype("<i2")
    exact = pcm.astype(np.float32) / 32768
    frames = len(exact) // (features.HOP * features.FRAMES_PER_OUTPUT)
    usable = exact[: frames * features.HOP * features.FRAMES_PER_OUTPUT]
    predicted = predict(StreamingModel(HERE / "wav2arkit.onnx"), features.log_mel(usable).astype(np.float32), usable)
    return {
        "sampleRate": features.SAMPLE_RATE,
        "samples": frames * features.HOP * features.FRAMES_PER_OUTPUT,
        "pcm16": base64.b64encode(pcm[: frames * features.HOP * features.FRAMES_PER_OUTPUT].tobytes()).decode(),
        "weights": np.round(predicted, 6).tolist(),
    }


if __name__ == "__main__":
    (HERE / "fixtures").mkdir(exist_ok=True)
    (HERE / "fixtures" / "log-mel.json").write_text(json.dumps(log_mel_fixture()))
    (HERE / "fixtures" / "curves.json").write_text(json.dumps(curves_fixture()))
    (HERE / "fixtures" / "runtime.json").write_text(json.dumps(runtime_fixture()))
    print("wrote fixtures/log-mel.json, fixtures/curves.json and fixtures/runtime.json")
