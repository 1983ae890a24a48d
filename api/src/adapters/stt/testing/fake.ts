import type { PcmAudio } from '../../../domain/audio';
import { ProviderError } from '../../../errors';
import { sleep } from '../../testing/sleep';
import type { STTAdapter, SttResult } from '../types';

export interface FakeSttScript {
  /** Final transcript; a function sees the audio (e.g. to answer by duration). */
  transcript?: string | ((audio: PcmAudio) => string);
  confidence?: number;
  alternatives?: SttResult['alternatives'];
  /** Partial texts yielded before the final one, like a streaming recognizer. */
  partials?: string[];
  /** Delay before the final result (split evenly across partials). Honours the abort signal. */
  latencyMs?: number;
  /** Fail instead of answering; `true` gives a retryable ProviderError. */
  failWith?: Error | true;
}

/** Scriptable STT for pipeline tests: settable transcript, latency and failure; records every call. */
export class FakeStt implements STTAdapter {
  readonly label: string;
  script: FakeSttScript;
  readonly calls: Array<{ audio: PcmAudio; language?: string }> = [];
  /** Like a local engine unless set otherwise: it may be asked ahead, at a pause. */
  local = true;
  /** Set to give partials of an utterance still going on, like a local re-decoding engine. */
  partial?: STTAdapter['partial'];

  constructor(script: FakeSttScript = {}, opts: { label?: string } = {}) {
    this.script = script;
    this.label = opts.label ?? 'fake-stt';
  }

  async *transcribe(
    audio: PcmAudio,
    opts: { signal: AbortSignal; language?: string },
  ): AsyncIterable<SttResult> {
    this.calls.push({ audio, language: opts.language });
    const script = this.script;
    const partials = script.partials ?? [];
    const step = (script.latencyMs ?? 0) / (partials.length + 1);
    for (const text of partials) {
      await sleep(step, opts.signal);
      yield { text, isFinal: false, confidence: 0, alternatives: [] };
    }
    await sleep(step, opts.signal);
    if (script.failWith === true)
      throw new ProviderError(this.label, 'scripted failure', { retryable: true });
    if (script.failWith) throw script.failWith;
    const text =
      typeof script.transcript === 'function' ? script.transcript(audio) : (script.transcript ?? '');
    const confidence = script.confidence ?? 0.9;
    yield { text, isFinal: true, confidence, alternatives: script.alternatives ?? [] };
  }
}
