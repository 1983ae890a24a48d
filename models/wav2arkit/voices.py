"""Speech with exact phone timings from engines other than espeak-ng, for training and held-out evaluation:

- Piper (a neural VITS voice, en_US-joe-medium from PyPI, installed by scripts/install-piper.sh) in onnxruntime, its
  phonemes from the espeak-ng program and their timings from the graph's duration output (frames per phoneme id);
  the same steps as api/src/adapters/tts/piper.ts.
- flite (Debian; CMU ARCTIC voices awb, rms, slt and the kal diphone voice): `-psdur` prints each segment's end time.
- festival (Debian; kal and ked diphone voices, the slt HTS voice): `utt.save.segs` writes each segment's end time.

Each returns an espeak.Utterance-like object: float samples, their rate, and [(phone, start_ms, end_ms)] in the
source's alphabet (`alphabet`): IPA for Piper, ARPAbet for flite and festival.
"""

import json
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from scipy.io import wavfile

ROOT = Path(__file__).resolve().parent.parent.parent
PIPER_VOICE = ROOT / ".tools" / "piper" / "en_US-joe-medium.timed.onnx"
CLAUSE = re.compile(r"([^,;:.!?]+)([,;:.!?]*)")
STRESS, LENGTH = {"ˈ", "ˌ"}, {"ː", "ˑ"}


@dataclass
class Spoken:
    samples: np.ndarray
    sample_rate: int
    phonemes: list
    alphabet: str


def _read_wav(path: str) -> tuple:
    rate, data = wavfile.read(path)
    samples = data.astype(np.float32) / (32768.0 if data.dtype == np.int16 else 1.0)
    return (samples if samples.ndim == 1 else samples.mean(axis=1)), rate


def _require(program: str, package: str) -> str:
    """The engine's path, or a failure that names it and how to install it."""
    path = shutil.which(program)
    if path is None:
        raise FileNotFoundError(f"{program} not found on PATH: install the Debian package {package}")
    return path


def _spans(ends: list) -> list:
    """[(phone, end_s)] → [(phone, start_ms, end_ms)]."""
    spans, start = [], 0.0
    for phone, end in ends:
        spans.append((phone, start * 1000, end * 1000))
        start = end
    return spans


class Flite:
    VOICES = ["kal16", "awb", "rms", "slt"]

    def __init__(self):
        self.program = _require("flite", "flite")

    def synthesize(self, text: str, voice: str, stretch: float = 1.0) -> Spoken:
        with tempfile.NamedTemporaryFile(suffix=".wav") as wav:
            out = subprocess.run(
                [self.program, "-voice", voice, "--setf", f"duration_stretch={stretch:.3f}", "-t", text, "-o", wav.name, "-psdur"],
                check=True, capture_output=True, text=True,
            ).stdout
            samples, rate = _read_wav(wav.name)
        ends = [(p.rsplit(":", 1)[0], float(p.rsplit(":", 1)[1])) for p in out.split()]
        return Spoken(samples, rate, _spans(ends), "arpabet")


class Festival:
    VOICES = ["kal_diphone", "ked_diphone", "cmu_us_slt_arctic_hts"]

    def __init__(self):
        self.program = _require("festival", "festival (and festvox-kallpc16k, festvox-kdlpc16k, festvox-us-slt-hts)")

    def synthesize(self, text: str, voice: str, stretch: float = 1.0) -> Spoken:
        clean = re.sub(r'["\\]', "", text)
        with tempfile.TemporaryDirectory() as tmp:
            script = Path(tmp) / "say.scm"
            script.write_text(
                f"(voice_{voice})\n(Parameter.set 'Duration_Stretch {stretch:.3f})\n"
                f'(set! utt (Utterance Text "{clean}"))\n(utt.synth utt)\n'
                f'(utt.save.wave utt "{tmp}/say.wav" \'riff)\n(utt.save.segs utt "{tmp}/say.segs")\n'
            )
            done = subprocess.run([self.program, "-b", str(script)], capture_output=True, text=True)
            if not Path(f"{tmp}/say.wav").exists():
                raise RuntimeError(f"{self.program} could not speak with voice {voice}: {done.stderr.strip()[:300]}")
            samples, rate = _read_wav(f"{tmp}/say.wav")
            lines = (Path(tmp) / "say.segs").read_text().splitlines()
        ends = [(f[2], float(f[0])) for f in (line.split() for line in lines if not line.startswith("#")) if len(f) == 3]
        return Spoken(samples, rate, _spans(ends), "arpabet")


class Piper:
    def __init__(self, voice: Path = PIPER_VOICE):
        import onnxruntime as ort

        if not voice.exists():
            raise FileNotFoundError(f"Piper voice {voice} not found: run scripts/install-piper.sh")
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        self.session = ort.InferenceSession(str(voice), options)
        self.config = json.loads(Path(f"{voice}.json").read_text())

    def synthesize(self, text: str, length_scale: float = 1.0, noise_scale: float | None = None) -> Spoken:
        inference, id_map = self.config["inference"], self.config["phoneme_id_map"]
        pad = id_map.get("_", [0])
        symbols = [("^", id_map.get("^", [1]) + pad, False)]
        clauses = [m for m in CLAUSE.finditer(text) if m.group(1).strip()]
        for c, clause in enumerate(clauses):
            ipa = subprocess.run(
                ["espeak-ng", "-q", "--ipa", "-v", self.config["espeak"]["voice"], "--", clause.group(1)],
                check=True, capture_output=True, text=True,
            ).stdout.split()
            for w, word in enumerate(ipa):
                if w > 0 and " " in id_map:
                    symbols.append((" ", id_map[" "] + pad, False))
                symbols += [(ch, id_map[ch] + pad, True) for ch in word if ch in id_map]
            symbols += [(mark, id_map[mark] + pad, False) for mark in clause.group(2) if mark in id_map]
            if c < len(clauses) - 1 and " " in id_map:
                symbols.append((" ", id_map[" "] + pad, False))
        symbols.append(("$", id_map.get("$", [2]), False))
        ids = np.array([[i for _, group, _ in symbols for i in group]], dtype=np.int64)
        scales = np.array([noise_scale if noise_scale is not None else inference["noise_scale"], length_scale, inference["noise_w"]], np.float32)
        audio, *rest = self.session.run(["output", "/Ceil_output_0"], {"input": ids, "input_lengths": np.array([ids.shape[1]], np.int64), "scales": scales})
        frames = rest[0].reshape(-1)
        rate = self.config["audio"]["sample_rate"]
        ms_per_frame = 256 * 1000 / rate
        phonemes, frame, k, stress_from = [], 0.0, 0, None
        for text_symbol, group, is_phoneme in symbols:
            start = frame
            for _ in group:
                frame += float(frames[k]) if k < len(frames) else 0.0
                k += 1
            if not is_phoneme:
                continue
            if text_symbol in STRESS:
                stress_from = start if stress_from is None else stress_from
                continue
            begin = stress_from if stress_from is not None else start
            stress_from = None
            if text_symbol in LENGTH and phonemes:
                phonemes[-1] = (phonemes[-1][0], phonemes[-1][1], frame * ms_per_frame)
            else:
                phonemes.append((text_symbol, begin * ms_per_frame, frame * ms_per_frame))
        return Spoken(audio.reshape(-1).astype(np.float32), rate, phonemes, "ipa")
