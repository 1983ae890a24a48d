import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors';
import { FakeStt } from './fake';
import { collectResults } from './transcripts';

const audio = { samples: new Int16Array(1600), sampleRate: 16_000 };

describe('FakeStt', () => {
  it('yields scripted partials and one final result, and records calls', async () => {
    const stt = new FakeStt({ transcript: 'hi there', partials: ['hi'], confidence: 0.7 });
    const results = await collectResults(
      stt.transcribe(audio, { signal: new AbortController().signal, language: 'en' }),
    );
    expect(results).toEqual([
      { text: 'hi', isFinal: false, confidence: 0, alternatives: [] },
      { text: 'hi there', isFinal: true, confidence: 0.7, alternatives: [] },
    ]);
    expect(stt.calls).toEqual([{ audio, language: 'en' }]);
  });

  it('fails as scripted', async () => {
    const stt = new FakeStt({ failWith: true });
    const err = await collectResults(stt.transcribe(audio, { signal: new AbortController().signal })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.retryable).toBe(true);
  });

  it('honours abort during its latency', async () => {
    const stt = new FakeStt({ transcript: 'late', latencyMs: 10_000 });
    const controller = new AbortController();
    const pending = collectResults(stt.transcribe(audio, { signal: controller.signal }));
    controller.abort(new Error('stop'));
    await expect(pending).rejects.toThrow('stop');
  });
});
