"""Phoneme normalization and phoneme -> ARKit-52 target curves, read from viseme-profile.json.

This mirrors api/src/adapters/visemes (normalize.ts, coarticulation.ts) step for step: the TypeScript side drives
rigs from the same table, and a fixture written by fixtures.py keeps the two implementations equal.
"""

import json
import re
from pathlib import Path

import numpy as np

PROFILE = json.loads((Path(__file__).parent / "viseme-profile.json").read_text(encoding="utf-8"))
ARKIT = PROFILE["arkitBlendshapes"]
FPS = PROFILE["fps"]
_COART = PROFILE["coarticulation"]
_ALIASES = PROFILE["phonemeAliases"]
_SHAPES = {
    phoneme: np.array([weights.get(name, 0.0) for name in ARKIT], dtype=np.float64)
    for phoneme, weights in PROFILE["rigs"]["arkit"]["weights"].items()
}
_STRIP = {"espeak": re.compile(r"['ˈˌ,%=]"), "ipa": re.compile(r"[ˈˌːˑ\u0300-\u035b\u035d-\u036f]"), "arpabet": re.compile(r"[0-9]")}


def normalize(name: str, source: str) -> str:
    found = lookup(name, source)
    return PROFILE["unknownPhoneme"] if found is None else found


def lookup(name: str, source: str):
    """Canonical phoneme, or None when the name is not in the source's alias table."""
    table = _ALIASES[source]
    cleaned = _STRIP[source].sub("", name.strip())
    if source == "arpabet":
        cleaned = cleaned.lower()
    if cleaned in table:
        return table[cleaned]
    for length in range(len(cleaned) - 1, 0, -1):
        if cleaned[:length] in table:
            return table[cleaned[:length]]
    return "sil" if cleaned == "" else None


def contiguous_segments(phonemes: list) -> list:
    """[(canonical, start_ms, end_ms)] sorted, gaps filled with silence, starting at 0 ms."""
    segments, cursor = [], 0.0
    for phoneme, start, end in sorted(phonemes, key=lambda p: p[1]):
        start = max(start, cursor)
        if end <= start:
            continue
        if start > cursor:
            segments.append(("sil", cursor, start))
        segments.append((phoneme, start, end))
        cursor = end
    return segments


def _strength(phoneme: str, duration_ms: float) -> float:
    if phoneme in _COART["alwaysFullStrength"]:
        return 1.0
    return float(min(1.0, max(_COART["minStrength"], duration_ms / _COART["fullStrengthMs"])))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0.0, 1.0)
    return x * x * (3.0 - 2.0 * x)


def activations(segments: list, times_ms: np.ndarray) -> list:
    """Per segment: (phoneme, strength, activation over times). Activations sum to 1 at every time: each boundary
    cross-fades from (boundary - attack) to (boundary + release), each clamped to half the adjacent segment."""
    padded = segments + [("sil", segments[-1][2], float("inf"))] if segments else [("sil", 0.0, float("inf"))]
    windows = []  # transition into segment i: (begin, end); none for the first
    for i in range(1, len(padded)):
        boundary = padded[i][1]
        attack = min(_COART["attackMs"], (padded[i - 1][2] - padded[i - 1][1]) / 2)
        release = min(_COART["releaseMs"], (padded[i][2] - padded[i][1]) / 2)
        windows.append((boundary - attack, boundary + release))
    out = []
    for i, (phoneme, start, end) in enumerate(padded):
        rise = np.ones_like(times_ms) if i == 0 else _fade(times_ms, *windows[i - 1])
        fall = np.ones_like(times_ms) if i == len(padded) - 1 else 1.0 - _fade(times_ms, *windows[i])
        out.append((phoneme, _strength(phoneme, end - start), rise * fall))
    return out


def _fade(times_ms: np.ndarray, begin: float, end: float) -> np.ndarray:
    if end <= begin:
        return (times_ms >= begin).astype(np.float64)
    return _smoothstep((times_ms - begin) / (end - begin))


def arkit_curves(segments: list, frame_count: int) -> np.ndarray:
    """[frame_count, 52] weights sampled at 30 fps frame centres."""
    times = (np.arange(frame_count) + 0.5) * 1000.0 / FPS
    curves = np.zeros((frame_count, len(ARKIT)))
    for phoneme, strength, activation in activations(segments, times):
        shape = _SHAPES[phoneme]
        if shape.any():
            curves += np.outer(activation * strength, shape)
    return np.clip(curves, 0.0, 1.0)
