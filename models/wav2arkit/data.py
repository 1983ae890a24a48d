"""Builds the synthetic aligned corpus, turned into (log-mel, ARKit-52 target) pairs. Every source gives exact phone
timings: espeak-ng (varied voices, variants, rates, pitches), the Piper neural voice, flite's and festival's voices
(voices.py). Augmentation changes the speaker (vocal tract length and pitch together, timings rescaled exactly) and
the channel (telephone band with mu-law, reverb, noise, gain, clipping, DC offset, silence).

Held-out voices never occur in training: espeak accents and variants, flite's and festival's slt voice. The neural
held-out set is the one Piper voice with sentences and speaker shifts it was not trained on (no second neural voice
with timings is in the registries).
"""

import argparse
import random
from fractions import Fraction
from pathlib import Path

import numpy as np
from scipy.signal import butter, fftconvolve, resample_poly, sosfilt

import features
import visemes
import voices as engines
from espeak import Espeak

TRAIN_BASES = ["en-us", "en", "en-gb-x-rp", "en-gb-scotland", "en-029", "en-us-nyc"]
TRAIN_VARIANTS = ["", "m1", "m2", "m3", "m4", "m5", "f1", "f2", "f3", "klatt", "klatt2", "adam", "benjamin", "linda", "steph", "max", "edward", "paul"]
HELDOUT_BASES = ["en-gb-x-gbclan", "en-gb-x-gbcwmd"]
HELDOUT_VARIANTS = ["m6", "m7", "f4", "f5", "klatt4", "annie", "john"]
TRAIN_FLITE, HELDOUT_FLITE = ["kal16", "awb", "rms"], ["slt"]
TRAIN_FESTIVAL, HELDOUT_FESTIVAL = ["kal_diphone", "ked_diphone"], ["cmu_us_slt_arctic_hts"]
# Share of each source in the training set.
TRAIN_MIX = {"espeak": 0.45, "piper": 0.25, "flite": 0.15, "festival": 0.15}

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


def speaker_shift(samples: np.ndarray, phonemes: list, factor: float) -> tuple:
    """Another speaker: formants, pitch and tempo scaled together by `factor` (a shorter or longer vocal tract),
    by resampling; the phone timings are rescaled exactly."""
    ratio = Fraction(1 / factor).limit_denominator(40)
    shifted = resample_poly(samples, ratio.numerator, ratio.denominator)
    scale = len(shifted) / max(1, len(samples))
    return shifted, [(name, s * scale, e * scale) for name, s, e in phonemes]


def telephone(samples: np.ndarray) -> np.ndarray:
    """A phone line: 300-3400 Hz at 8 kHz, 8-bit mu-law, back to the model's rate."""
    narrow = resample_poly(samples, 1, features.SAMPLE_RATE // 8000)
    narrow = sosfilt(butter(4, [300, 3400], btype="band", fs=8000, output="sos"), narrow)
    peak = max(1e-6, float(np.abs(narrow).max()))
    x = np.clip(narrow / peak, -1, 1)
    coded = np.round(np.sign(x) * np.log1p(255 * np.abs(x)) / np.log1p(255) * 127) / 127
    decoded = np.sign(coded) * np.expm1(np.abs(coded) * np.log1p(255)) / 255 * peak
    return resample_poly(decoded, features.SAMPLE_RATE // 8000, 1)[: len(samples)]


def augment(rng: random.Random, samples: np.ndarray) -> np.ndarray:
    sr = features.SAMPLE_RATE
    if rng.random() < 0.15:
        samples = telephone(samples)
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


class Sources:
    """The engines, started once; `speak` picks a voice of the asked family and says a random text."""

    def __init__(self):
        self.espeak, self.flite, self.festival = Espeak(), engines.Flite(), engines.Festival()
        self._piper = None

    def speak(self, rng: random.Random, family: str, voice_list: list, text: str):
        voice = rng.choice(voice_list)
        if family == "espeak":
            spoken = self.espeak.synthesize(text, voice, rate=rng.randint(120, 270), pitch=rng.randint(20, 80), pitch_range=rng.randint(20, 90))
            return voice, spoken, "espeak"
        if family == "piper":
            self._piper = self._piper or engines.Piper()
            spoken = self._piper.synthesize(text, length_scale=rng.uniform(0.75, 1.35), noise_scale=rng.uniform(0.3, 0.9))
        else:
            spoken = getattr(self, family).synthesize(text, voice, stretch=rng.uniform(0.75, 1.35))
        return f"{family}:{voice}", spoken, spoken.alphabet


def make_example(sources: Sources, rng: random.Random, vocabulary: list, mix: dict, augmented: bool, shift: tuple | None = None):
    family = rng.choices(list(mix), weights=[w for w, _ in mix.values()])[0]
    voice, utterance, alphabet = sources.speak(rng, family, mix[family][1], _text(rng, vocabulary))
    samples = resample_poly(utterance.samples, features.SAMPLE_RATE, utterance.sample_rate)
    phones = utterance.phonemes
    if shift and rng.random() < shift[0]:
        factor = rng.uniform(*shift[1])
        samples, phones = speaker_shift(samples, phones, factor)
        voice = f"{voice}@{factor:.2f}"
    lead_ms = rng.uniform(0, 400)
    lead = np.zeros(int(lead_ms * features.SAMPLE_RATE / 1000))
    samples = np.concatenate([lead, samples, np.zeros(int(rng.uniform(0, 400) * features.SAMPLE_RATE / 1000))])
    lead_ms = 1000.0 * len(lead) / features.SAMPLE_RATE
    if augmented:
        samples = augment(rng, samples)
    phonemes = [(visemes.normalize(name, alphabet), s + lead_ms, e + lead_ms) for name, s, e in phones]
    frames = len(samples) // (features.HOP * features.FRAMES_PER_OUTPUT)
    samples = samples[: frames * features.HOP * features.FRAMES_PER_OUTPUT]
    targets = visemes.arkit_curves(visemes.contiguous_segments(phonemes), frames)
    mel = features.log_mel(samples)
    unknown = [f"{alphabet}:{name}" for name, _, _ in phones if visemes.lookup(name, alphabet) is None]
    return voice, mel.astype(np.float32), targets.astype(np.float32), phonemes, samples.astype(np.float32), unknown


def voices(bases: list, variants: list) -> list:
    return [base + (f"+{variant}" if variant else "") for base in bases for variant in variants]


def build(path: Path, count: int, mix: dict, seed: int, augmented: bool, keep_audio: bool, shift: tuple | None = None) -> None:
    """`mix`: family -> (share, voices); `shift`: (probability, (lowest, highest factor)) of a speaker shift."""
    rng, sources, vocabulary = random.Random(seed), Sources(), _vocabulary()
    mels, targets, names, phoneme_tables, audio, unknown = [], [], [], [], [], set()
    for _ in range(count):
        voice, mel, target, phonemes, samples, missing = make_example(sources, rng, vocabulary, mix, augmented, shift)
        if len(target) < 8:
            continue
        mels.append(mel), targets.append(target), names.append(voice), phoneme_tables.append(phonemes)
        unknown.update(missing)
        if keep_audio:
            audio.append(samples)
    if unknown:
        print(f"phones without an alias (mapped to {visemes.PROFILE['unknownPhoneme']}): {sorted(unknown)}")
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
    families = sorted({n.split(":")[0] if ":" in n else "espeak" for n in names})
    print(f"{path}: {len(targets)} utterances, {lengths.sum() / visemes.FPS / 60:.1f} min, {len({n.split('@')[0] for n in names})} voices ({', '.join(families)})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parent.parent.parent / ".data" / "wav2arkit")
    parser.add_argument("--train", type=int, default=3600)
    parser.add_argument("--heldout", type=int, default=160)
    parser.add_argument("--heldout-only", action="store_true", help="only the evaluation sets")
    parser.add_argument("--mix", default=",".join(f"{k}={v}" for k, v in TRAIN_MIX.items()), help="training share per source")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if not args.heldout_only:
        mix = {name: float(share) for name, share in (part.split("=") for part in args.mix.split(","))}
        train = {
            "espeak": (mix["espeak"], voices(TRAIN_BASES, TRAIN_VARIANTS)),
            "piper": (mix["piper"], ["joe"]),
            "flite": (mix["flite"], TRAIN_FLITE),
            "festival": (mix["festival"], TRAIN_FESTIVAL),
        }
        build(args.out / "train.npz", args.train, train, seed=1, augmented=True, keep_audio=False, shift=(0.5, (0.85, 1.18)))
    heldout = {"espeak": (1.0, voices(HELDOUT_BASES, HELDOUT_VARIANTS))}
    build(args.out / "heldout-clean.npz", args.heldout, heldout, seed=2, augmented=False, keep_audio=True)
    build(args.out / "heldout-noisy.npz", args.heldout, heldout, seed=3, augmented=True, keep_audio=False)
    # Neural: the Piper voice, unseen sentences, shifted further than training ever shifted it.
    neural = {"piper": (1.0, ["joe"])}
    build(args.out / "heldout-neural.npz", args.heldout // 2, neural, seed=4, augmented=False, keep_audio=True, shift=(0.6, (1.19, 1.25)))
    other = {"flite": (0.5, HELDOUT_FLITE), "festival": (0.5, HELDOUT_FESTIVAL)}
    build(args.out / "heldout-festival-flite.npz", args.heldout // 2, other, seed=5, augmented=False, keep_audio=True)


if __name__ == "__main__":
    main()
