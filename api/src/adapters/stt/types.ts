import type { PcmAudio } from '../../domain/audio';
import type { TranscriptAlternative } from '../../domain/session-events';
import type { CallContext } from '../../domain/tracing';

export interface SttResult {
  text: string;
  isFinal: boolean;
  confidence: number;
  /** n-best list, best first; empty when the provider gives none. */
  alternatives: TranscriptAlternative[];
}

export interface STTAdapter {
  readonly label: string;
  /** Transcribes one finished utterance; yields partials (if streaming) and then exactly one final result. */
  transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string; context?: CallContext },
  ): AsyncIterable<SttResult>;
}
