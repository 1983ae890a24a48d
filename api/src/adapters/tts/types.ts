import type { PhonemeTiming, WordTiming } from '../../domain/audio';
import type { CallContext } from '../../domain/tracing';

export interface TtsChunk {
  samples: Int16Array;
  sampleRate: number;
  /** Timings relative to the start of this chunk; absent when the provider gives none. */
  phonemes?: PhonemeTiming[];
  /** Which alphabet `phonemes` uses, so the viseme service can normalise them. */
  phonemeAlphabet?: 'espeak' | 'arpabet' | 'ipa';
  words?: WordTiming[];
}

export interface TTSAdapter {
  readonly label: string;
  /** Speaks one sentence. Honours `signal` promptly: barge-in aborts it mid-sentence. */
  synthesize(
    text: string,
    opts: { voice?: string; signal: AbortSignal; context?: CallContext },
  ): AsyncIterable<TtsChunk>;
}
