"""Real human speech for the evaluation: Debian's pocketsphinx-testdata recordings (LibriVox and "cards"),
phone-aligned by pocketsphinx itself (JSGF grammar of the transcript's CMUdict phones, so the alignment is forced,
not recognised), turned into targets through the same profile. Writes real-pocketsphinx.npz like data.py does."""

import argparse
import re
import subprocess
import tempfile
import wave
from pathlib import Path

import numpy as np
from scipy.signal import resample_poly

import features
import visemes

TESTDATA = Path("/usr/share/pocketsphinx/test/data")
MODEL = Path("/usr/share/pocketsphinx/model/en-us")


def _transcripts() -> list:
    """[(wav path, words)] from the LibriVox and cards transcriptions."""
    out = []
    for line in (TESTDATA / "librivox" / "transcription").read_text().splitlines():
        match = re.match(r"<s>(.*)</s>\s*\((.*)\)", line.strip())
        if match:
            out.append((TESTDATA / "librivox" / f"{match.group(2)}.wav", match.group(1).split()))
    cards = TESTDATA / "cards"
    for fileid, line in zip((cards / "cards.fileids").read_text().split(), (cards / "cards.transcription").read_text().splitlines()):
        words = re.sub(r"</?s>|\(.*\)", "", line).lower().split()
        out.append((cards / f"{Path(fileid).name}.wav", words))
    return out


def _align(wav: Path, words: list, dictionary: dict) -> list:
    """[(arpabet phone, start_ms, end_ms)] forced-aligned by pocketsphinx; None when a word is not in CMUdict."""
    phones = [dictionary.get(w) for w in words]
    if any(p is None for p in phones):
        return None
    flat = [p for word in phones for p in word]
    with tempfile.TemporaryDirectory() as tmp:
        (Path(tmp) / "phones.dict").write_text("".join(f"ph_{p.lower()} {p}\n" for p in sorted(set(flat))))
        (Path(tmp) / "utt.gram").write_text(f"#JSGF V1.0;\ngrammar utt;\npublic <utt> = {' '.join('ph_' + p.lower() for p in flat)};\n")
        result = subprocess.run(
            ["pocketsphinx_continuous", "-infile", str(wav), "-hmm", str(MODEL / "en-us"), "-dict", f"{tmp}/phones.dict",
             "-jsgf", f"{tmp}/utt.gram", "-time", "yes"],
            capture_output=True, text=True, check=True,
        )
    segments = []
    for line in result.stdout.splitlines():
        parts = line.split()
        if len(parts) == 4 and parts[0].startswith("ph_"):
            # pocketsphinx reports inclusive 10 ms frames: the segment ends where the next begins.
            segments.append((parts[0][3:], float(parts[1]) * 1000, (float(parts[2]) + 0.01) * 1000))
    return segments if len(segments) == len(flat) else None


def _read_wav(path: Path) -> tuple:
    with wave.open(str(path)) as w:
        return np.frombuffer(w.readframes(w.getnframes()), np.int16).astype(np.float32) / 32768, w.getframerate()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent.parent / ".data" / "wav2arkit")
    args = parser.parse_args()
    if not TESTDATA.exists():
        print("pocketsphinx-testdata is not installed (apt-get install pocketsphinx-testdata): no real-speech evaluation")
        return
    dictionary = {}
    for line in (MODEL / "cmudict-en-us.dict").read_text().splitlines():
        parts = line.split()
        if parts and parts[0] not in dictionary:
            dictionary[parts[0]] = parts[1:]
    mels, targets, lengths, names, tables, audio = [], [], [], [], [], []
    for wav, words in _transcripts():
        aligned = _align(wav, words, dictionary)
        if not aligned:
            print(f"skipped {wav.name}: not alignable")
            continue
        samples, rate = _read_wav(wav)
        samples = resample_poly(samples, features.SAMPLE_RATE, rate).astype(np.float32)
        frames = len(samples) // (features.HOP * features.FRAMES_PER_OUTPUT)
        samples = samples[: frames * features.HOP * features.FRAMES_PER_OUTPUT]
        phonemes = [(visemes.normalize(p, "arpabet"), s, e) for p, s, e in aligned]
        mels.append(features.log_mel(samples).astype(np.float32))
        targets.append(visemes.arkit_curves(visemes.contiguous_segments(phonemes), frames).astype(np.float32))
        lengths.append(frames), names.append(wav.parent.name), tables.append(repr(phonemes)), audio.append(samples)
    np.savez_compressed(
        args.out / "real-pocketsphinx.npz", mel=np.concatenate(mels), targets=np.concatenate(targets), lengths=np.array(lengths),
        voices=np.array(names), phonemes=np.array(tables), audio=np.concatenate(audio), audio_lengths=np.array([len(a) for a in audio]),
    )
    print(f"real speech: {len(lengths)} recordings, {sum(lengths) / visemes.FPS:.1f} s")


if __name__ == "__main__":
    main()
