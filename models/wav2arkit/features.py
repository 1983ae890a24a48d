"""Log-mel features, the model's input. api/src/adapters/blendshapes/log-mel.ts computes the same numbers
(checked by a fixture written by fixtures.py): change both or neither."""

import numpy as np

SAMPLE_RATE = 24000
WINDOW = 400  # 16.7 ms
HOP = 200  # 8.33 ms: four feature frames per 30 fps output frame
FFT_SIZE = 512
MEL_BINS = 40
MEL_MIN_HZ = 50.0
MEL_MAX_HZ = 8000.0
LOG_FLOOR = 1e-6
FRAMES_PER_OUTPUT = 4


def _hz_to_mel(hz):
    return 2595.0 * np.log10(1.0 + np.asarray(hz) / 700.0)


def _mel_to_hz(mel):
    return 700.0 * (10.0 ** (np.asarray(mel) / 2595.0) - 1.0)


def mel_filterbank() -> np.ndarray:
    """[MEL_BINS, FFT_SIZE/2+1] triangular HTK-mel filters evaluated at each FFT bin's frequency."""
    edges = _mel_to_hz(np.linspace(_hz_to_mel(MEL_MIN_HZ), _hz_to_mel(MEL_MAX_HZ), MEL_BINS + 2))
    freqs = np.arange(FFT_SIZE // 2 + 1) * SAMPLE_RATE / FFT_SIZE
    bank = np.zeros((MEL_BINS, freqs.size))
    for m in range(MEL_BINS):
        low, centre, high = edges[m], edges[m + 1], edges[m + 2]
        rising = (freqs - low) / (centre - low)
        falling = (high - freqs) / (high - centre)
        bank[m] = np.maximum(0.0, np.minimum(rising, falling))
    return bank


WINDOW_FN = 0.5 - 0.5 * np.cos(2.0 * np.pi * np.arange(WINDOW) / WINDOW)
FILTERBANK = mel_filterbank()


def log_mel(samples: np.ndarray) -> np.ndarray:
    """[frames, MEL_BINS]; frame m ends at sample (m+1)*HOP and sees the WINDOW samples before it (zeros before the
    start), so it only needs audio up to its own end: causal. A trailing partial hop is dropped."""
    samples = np.asarray(samples, dtype=np.float64)
    frames = len(samples) // HOP
    padded = np.concatenate([np.zeros(WINDOW - HOP), samples])
    index = np.arange(frames)[:, None] * HOP + np.arange(WINDOW)[None, :]
    spectrum = np.fft.rfft(padded[index] * WINDOW_FN, n=FFT_SIZE, axis=1)
    power = spectrum.real**2 + spectrum.imag**2
    return np.log(power @ FILTERBANK.T + LOG_FLOOR)


SILENCE_FEATURE = float(np.log(LOG_FLOOR))
