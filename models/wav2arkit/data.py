"""Builds the synthetic aligned corpus: espeak-ng speech (varied voices, variants, rates, pitches) with exact phoneme
timings, augmented with gain, noise, reverb and silence, turned into (log-mel, ARKit-52 target) pairs.

Held-out voices (base accents AND variants) never occur in training.
"""

import argparse
import random
from pathlib import Path

import numpy as np
from scipy.signal import fftconvolve, resample_poly

import features
import visemes
from espeak import Espeak

TRAIN_BASES = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us-nyc"]
TRAIN_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3", "klatt", "klatt2", "adam", "benjamin", "linda", "steph", "max", "edward", "paul"]
HELDOUT_BASES = ["en-gb-x-gbclan", "en-gb-x-gbcwmd"]
HELDOUT_VARIANTS = ["m6", "m7", "f4", "f5", "klatt4", "annie", "john"]

CMUDICT = Path("/usr/share/pocketsphinx/model/en-us/cmudict-en-us.dict")
# A few everyday sentences so the corpus is not only random word salad.
SENTENCES = [
    "Hello, how are you doing today?", "I would be happy to help you with that.", "Please move the map to the left.",
    "The weather is lovely this morning.", "Could you say that again, please?", "My favourite food is pasta with mushrooms.",
    "We should meet at five o'clock near the bridge.", "Thank you very much for your patience.",
    "Bob bought a big blue balloon.", "Peter picked a peck of pickled peppers.", "Five fine violins vibrate.",
    "She sells sea shells by the sea shore.", "Think of three things that you love.", "Why would anyone wait?",
    "Jump over the muddy puddle, Jim.", "Vivid video of a windy valley.", "Mum made marmalade in May.",
]


def _vocabulary() -> list:
    words = []
    for line in CMUDICT.read_text(encoding="utf-8", errors="replace").splitlines():
        word = line.split(" ", 1)[0]
        if word.isalpha() and 2 <= len(word) <= 10:
            words.append(word)
    return words


def _text(rng: random.Random, vocabulary: list) -> str:
    if rng.random() < 0.25:
        return rng.choice(SENTENCES)
    words = [rng.choice(vocabulary) for _ in range(rng.randint(3, 12))]
    if rng.random() < 0.4:
        words.insert(rng.randint(1, len(words) - 1), rng.choice(vocabulary) + ",")
    return " ".join(words) + rng.choice([".", "?", "!"])


def _reverb(rng: random.Random, sample_rate: int) -> np.ndarray:
    rt60 = rng.uniform(0.1, 0.6)
    length = int(rt60 * sample_rate)
    t = np.arange(length) / sample_rate
    tail = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(length) * np.exp(-6.9 * t / rt60)
    tail[0] = 0.0
    impulse = 0.3 * tail / np.sqrt(np.sum(tail**2))
    impulse[0] = 1.0  # direct path first: reverb adds no delay, so targets keep their timing
    return impulse


def augment(rng: random.Random, samples: np.ndarray) -> np.ndarray:
    sr = features.SAMPLE_RATE
    if rng.random() < 0.3:
        samples = fftconvolve(samples, _reverb(rng, sr))[: len(samples)]
    if rng.random() < 0.6:
        noise = np.random.default_rng(rng.randrange(1 << 30)).standard_normal(len(samples))
        if rng.random() < 0.5:  # pinkish: cumulative sum tilts the spectrum down
            noise = np.cumsum(noise)
            noise -= np.convolve(noise, np.ones(64) / 64, mode="same")
        speech_power = np.mean(samples**2) + 1e-12
        snr_db = rng.uniform(5, 40)
        noise *= np.sqrt(speech_power / (np.mean(noise**2) + 1e-12) / 10 ** (snr_db / 10))
        samples = samples + noise
    samples = samples * 10 ** (rng.uniform(-24, 10) / 20)
    if rng.random() < 0.1:
        samples = samples + rng.uniform(-0.1, 0.1)  # DC offset
    return np.clip(samples, -1.0, 1.0)


def make_example(engine: Espeak, rng: random.Random, vocabulary: list, voices: list, augmented: bool):
    voice = rng.choice(voices)
    utterance = engine.synthesize(
        _text(rng, vocabulary), voice, rate=rng.randint(120, 270), pitch=rng.randint(20, 80), pitch_range=rng.randint(20, 90)
    )
    samples = resample_poly(utterance.samples, features.SAMPLE_RATE, utterance.sample_rate)
    lead_ms = rng.uniform(0, 400)
    lead = np.zeros(int(lead_ms * features.SAMPLE_RATE / 1000))
    samples = np.concatenate([lead, samples, np.zeros(int(rng.uniform(0, 400) * features.SAMPLE_RATE / 1000))])
    lead_ms = 1000.0 * len(lead) / features.SAMPLE_RATE
    if augmented:
        samples = augment(rng, samples)
    phonemes = [(visemes.normalize(name, "espeak"), s + lead_ms, e + lead_ms) for name, s, e in utterance.phonemes]
    frames = len(samples) // (features.HOP * features.FRAMES_PER_OUTPUT)
    samples = samples[: frames * features.HOP * features.FRAMES_PER_OUTPUT]
    targets = visemes.arkit_curves(visemes.contiguous_segments(phonemes), frames)
    mel = features.log_mel(samples)
    unknown = [name for name, _, _ in utterance.phonemes if visemes.lookup(name, "espeak") is None]
    return voice, mel.astype(np.float32), targets.astype(np.float32), phonemes, samples.astype(np.float32), unknown


def voices(bases: list, variants: list) -> list:
    return [base + (f"+{variant}" if variant else "") for base in bases for variant in variants]


def build(path: Path, count: int, voice_list: list, seed: int, augmented: bool, keep_audio: bool) -> None:
    rng, engine, vocabulary = random.Random(seed), Espeak(), _vocabulary()
    mels, targets, names, phoneme_tables, audio, unknown = [], [], [], [], [], set()
    for _ in range(count):
        voice, mel, target, phonemes, samples, missing = make_example(engine, rng, vocabulary, voice_list, augmented)
        if len(target) < 8:
            continue
        mels.append(mel), targets.append(target), names.append(voice), phoneme_tables.append(phonemes)
        unknown.update(missing)
        if keep_audio:
            audio.append(samples)
    if unknown:
        print(f"espeak phonemes without an alias (mapped to {visemes.PROFILE['unknownPhoneme']}): {sorted(unknown)}")
    lengths = np.array([len(t) for t in targets])
    np.savez_compressed(
        path,
        mel=np.concatenate(mels),
        targets=np.concatenate(targets),
        lengths=lengths,
        voices=np.array(names),
        phonemes=np.array([repr(p) for p in phoneme_tables]),
        **({"audio": np.concatenate(audio), "audio_lengths": np.array([len(a) for a in audio])} if keep_audio else {}),
    )
    print(f"{path}: {len(targets)} utterances, {lengths.sum() / visemes.FPS / 60:.1f} min, {len(set(names))} voices")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent.parent / ".data" / "wav2arkit")
    parser.add_argument("--train", type=int, default=2400)
    parser.add_argument("--heldout", type=int, default=160)
    parser.add_argument("--heldout-only", action="store_true", help="only the evaluation sets")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.heldout_only:
        build(args.out / "train.npz", args.train, voices(TRAIN_BASES, TRAIN_VARIANTS), seed=1, augmented=True, keep_audio=False)
    heldout = voices(HELDOUT_BASES, HELDOUT_VARIANTS)
    build(args.out / "heldout-clean.npz", args.heldout, heldout, seed=2, augmented=False, keep_audio=True)
    build(args.out / "heldout-noisy.npz", args.heldout, heldout, seed=3, augmented=True, keep_audio=False)


if __name__ == "__main__":
    main()
