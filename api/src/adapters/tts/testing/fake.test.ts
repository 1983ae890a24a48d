import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors';
import type { TtsChunk } from '../types';
import { FakeTts } from './fake';

async function collect(stream: AsyncIterable<TtsChunk>, into: TtsChunk[] = []) {
  for await (const chunk of stream) into.push(chunk);
  return into;
}

describe('FakeTts', () => {
  it('makes audio as long as the script says, with letter phonemes and word timings per chunk', async () => {
    const tts = new FakeTts({ script: { msPerChar: 10, chunkMs: 50 } });
    const chunks = await collect(tts.synthesize('ab cd', { signal: new AbortController().signal }));
    expect(chunks.map((c) => c.samples.length)).toEqual([800]);
    expect(chunks[0]!.phonemes?.map((p) => p.phoneme)).toEqual(['a', 'b', 'c', 'd']);
    expect(chunks[0]!.words).toEqual([
      { word: 'ab', index: 0, startMs: 0, endMs: 20 },
      { word: 'cd', index: 1, startMs: 30, endMs: 50 },
    ]);
  });

  it('fails per call as scripted, before or after its first chunk', async () => {
    const tts = new FakeTts({
      script: { fail: (call) => (call === 0 ? new ProviderError('fake-tts', 'down') : undefined) },
    });
    const signal = new AbortController().signal;
    await expect(collect(tts.synthesize('hello', { signal }))).rejects.toThrow('down');
    expect((await collect(tts.synthesize('hello', { signal }))).length).toBeGreaterThan(0);
    tts.script = { ...tts.script, fail: undefined, failAfterChunks: 1 };
    const received: TtsChunk[] = [];
    await expect(collect(tts.synthesize('hello there', { signal }), received)).rejects.toThrow(
      'stream broke',
    );
    expect(received).toHaveLength(1);
  });

  it('honours abort during its latency', async () => {
    const tts = new FakeTts({ script: { latencyMs: 10_000 } });
    const caller = new AbortController();
    const pending = collect(tts.synthesize('hello', { signal: caller.signal }));
    caller.abort(new DOMException('barge-in', 'AbortError'));
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('leaves timings out for a voice that has none', async () => {
    const tts = new FakeTts({ voice: { timings: false } });
    const [chunk] = await collect(tts.synthesize('hi', { signal: new AbortController().signal }));
    expect(chunk).not.toHaveProperty('phonemes');
    expect(chunk).not.toHaveProperty('words');
  });
});
