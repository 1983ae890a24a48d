/** Mono PCM audio as it travels between pipeline stages. */
export interface PcmAudio {
  samples: Int16Array;
  sampleRate: number;
}

export const SUPPORTED_INPUT_RATES = [8000, 16000, 24000, 48000] as const;
export type InputSampleRate = (typeof SUPPORTED_INPUT_RATES)[number];

/** A phoneme with its position in the audio it belongs to, in milliseconds. */
export interface PhonemeTiming {
  phoneme: string;
  startMs: number;
  endMs: number;
}

export interface WordTiming {
  word: string;
  /** Index of the word in the spoken text (0-based), used to anchor gestures. */
  index: number;
  startMs: number;
  endMs: number;
}
