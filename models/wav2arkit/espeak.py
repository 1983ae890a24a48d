"""In-process espeak-ng synthesis with exact phoneme timings, through libespeak-ng's C API (ctypes).

The command line cannot report phoneme positions, so the library runs in synchronous mode (2) with phoneme
events: the callback receives the PCM and, for each phoneme, its mnemonic and its position in ms.
"""

import ctypes
from dataclasses import dataclass

import numpy as np

AUDIO_OUTPUT_SYNCHRONOUS = 2
INITIALIZE_PHONEME_EVENTS = 0x0001
EVENT_LIST_TERMINATED = 0
EVENT_WORD = 1
EVENT_END = 5
EVENT_MSG_TERMINATED = 6
EVENT_PHONEME = 7
PARAM_RATE = 1
PARAM_VOLUME = 2
PARAM_PITCH = 3
PARAM_RANGE = 4
POS_CHARACTER = 1
CHARS_UTF8 = 1


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p), ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [
        ("type", ctypes.c_int),
        ("unique_identifier", ctypes.c_uint),
        ("text_position", ctypes.c_int),
        ("length", ctypes.c_int),
        ("audio_position", ctypes.c_int),
        ("sample", ctypes.c_int),
        ("user_data", ctypes.c_void_p),
        ("id", _EventId),
    ]


_Callback = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.POINTER(_Event))


@dataclass
class Utterance:
    samples: np.ndarray  # float32 mono in [-1, 1]
    sample_rate: int
    phonemes: list  # [(espeak mnemonic, start_ms, end_ms)]


class Espeak:
    def __init__(self) -> None:
        self._lib = ctypes.CDLL("libespeak-ng.so.1")
        self.sample_rate = self._lib.espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, 200, None, INITIALIZE_PHONEME_EVENTS)
        if self.sample_rate <= 0:
            raise RuntimeError("espeak_Initialize failed")
        self._chunks: list = []
        self._events: list = []
        # Keep a reference: ctypes frees the trampoline when the Python object dies.
        self._callback = _Callback(self._on_synth)
        self._lib.espeak_SetSynthCallback(self._callback)
        self._lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self._lib.espeak_Synth.argtypes = [
            ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
            ctypes.c_void_p, ctypes.c_void_p,
        ]

    def _on_synth(self, wav, count, events) -> int:
        if count > 0 and wav:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(count,)).copy())
        i = 0
        while events[i].type != EVENT_LIST_TERMINATED:
            event = events[i]
            if event.type == EVENT_PHONEME:
                self._events.append((event.id.string.decode("utf-8", "replace"), event.audio_position))
            elif event.type in (EVENT_END, EVENT_MSG_TERMINATED):
                self._events.append(("", event.audio_position))
            i += 1
        return 0

    def synthesize(self, text: str, voice: str, rate: int = 175, pitch: int = 50, pitch_range: int = 50) -> Utterance:
        if self._lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"unknown espeak-ng voice {voice!r}")
        self._lib.espeak_SetParameter(PARAM_RATE, rate, 0)
        self._lib.espeak_SetParameter(PARAM_PITCH, pitch, 0)
        self._lib.espeak_SetParameter(PARAM_RANGE, pitch_range, 0)
        self._chunks, self._events = [], []
        data = text.encode("utf-8") + b"\0"
        self._lib.espeak_Synth(data, len(data), 0, POS_CHARACTER, 0, CHARS_UTF8, None, None)
        self._lib.espeak_Synchronize()
        pcm = np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16)
        samples = pcm.astype(np.float32) / 32768.0
        total_ms = 1000.0 * len(samples) / self.sample_rate
        return Utterance(samples, self.sample_rate, _phoneme_spans(self._events, total_ms))


def _phoneme_spans(events: list, total_ms: float) -> list:
    """Each phoneme lasts until the next event (phoneme or end of message)."""
    spans = []
    for (name, start), (_, next_start) in zip(events, events[1:] + [("", total_ms)]):
        if name and next_start > start:
            spans.append((name, float(start), float(min(next_start, total_ms))))
    return spans


if __name__ == "__main__":
    engine = Espeak()
    u = engine.synthesize("Hello, my name is Bob. Please move the map.", "en-us+f3")
    print(engine.sample_rate, len(u.samples) / u.sample_rate)
    print(u.phonemes)
