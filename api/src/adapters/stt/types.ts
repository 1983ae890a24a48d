import type { PcmAudio } from '../../domain/audio';
import type { TranscriptAlternative, TranscriptWord } from '../../domain/session-events';
import type { CallContext } from '../../domain/tracing';

export interface SttResult {
  text: string;
  isFinal: boolean;
  confidence: number;
  /** n-best list, best first; empty when the provider gives none. */
  alternatives: TranscriptAlternative[];
  /** Word timings, when the provider gives them. */
  words?: TranscriptWord[];
}

export interface STTAdapter {
  readonly label: string;
  /**
   * Runs on this machine, so transcribing an utterance ahead at a pause (and again if the user goes on) costs
   * nothing but CPU; a paid provider is only asked once the turn has ended.
   */
  readonly local?: boolean;
  /** Transcribes one finished utterance; yields partials (if streaming) and then exactly one final result. */
  transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string; context?: CallContext },
  ): AsyncIterable<SttResult>;
  /**
   * What has been said so far of an utterance still going on, for partial transcripts; best effort: null when
   * the engine is busy, because finished utterances always go first. Only engines that re-decode cheaply
   * locally have it; streaming providers give their partials through `transcribe`.
   */
  partial?(audio: PcmAudio, opts: { signal: AbortSignal; language?: string }): Promise<SttResult | null>;
}
