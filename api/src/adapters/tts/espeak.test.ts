import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PhonemeTiming } from '../../domain/audio';
import { BadInputError, ProviderError } from '../../errors';
import { EspeakTts, phonemeTimings, wordTimings } from './espeak';
import { type EspeakEvent, EspeakProcess } from './espeak-process';
import type { TtsChunk } from './types';

const LONG_TEXT = 'The quick brown fox jumps over the lazy dog. '.repeat(60);

let worker: EspeakProcess;
let tts: EspeakTts;

beforeAll(async () => {
  worker = new EspeakProcess();
  tts = new EspeakTts({ process: worker });
  await worker.start();
});
afterAll(() => worker.close());

async function speak(adapter: EspeakTts, text: string, opts: { voice?: string; signal?: AbortSignal } = {}) {
  const chunks: TtsChunk[] = [];
  for await (const chunk of adapter.synthesize(text, {
    voice: opts.voice,
    signal: opts.signal ?? new AbortController().signal,
  })) {
    chunks.push(chunk);
  }
  return chunks;
}

function rms(samples: Int16Array): number {
  let sum = 0;
  for (const s of samples) sum += s * s;
  return Math.sqrt(sum / Math.max(1, samples.length));
}

const durationMs = (chunk: TtsChunk) => (chunk.samples.length * 1000) / chunk.sampleRate;

function expectOrderedWithin(
  timings: readonly PhonemeTiming[] | readonly { startMs: number; endMs: number }[],
  limitMs: number,
) {
  let previousStart = 0;
  for (const t of timings) {
    expect(t.startMs).toBeGreaterThanOrEqual(previousStart);
    expect(t.endMs).toBeGreaterThan(t.startMs);
    expect(t.endMs).toBeLessThanOrEqual(limitMs);
    previousStart = t.startMs;
  }
}

describe('EspeakTts (real espeak-ng in a worker process)', () => {
  it('speaks a sentence as audible 22.05 kHz audio with ordered phoneme timings inside the audio', async () => {
    const [chunk, ...rest] = await speak(tts, 'Hello world, this is a test.');
    expect(rest).toEqual([]);
    expect(chunk?.sampleRate).toBe(22_050);
    expect(durationMs(chunk!)).toBeGreaterThan(1_000);
    expect(rms(chunk!.samples)).toBeGreaterThan(500);
    const phonemes = chunk!.phonemes ?? [];
    expect(phonemes.map((p) => p.phoneme).slice(0, 4)).toEqual(['h', '@', 'l', 'oU']);
    expectOrderedWithin(phonemes, durationMs(chunk!));
  });

  it('gives word timings indexed by the words of the text, punctuation stripped', async () => {
    const [chunk] = await speak(tts, 'Hello there, how are you today?');
    const words = chunk?.words ?? [];
    expect(words.map((w) => [w.index, w.word])).toEqual([
      [0, 'Hello'],
      [1, 'there'],
      [2, 'how'],
      [3, 'are'],
      [4, 'you'],
      [5, 'today'],
    ]);
    expectOrderedWithin(words, durationMs(chunk!));
    // The comma's pause belongs to no word.
    expect(words[2]!.startMs - words[1]!.endMs).toBeGreaterThan(50);
  });

  it('uses the requested voice variant and rate', async () => {
    const [plain] = await speak(tts, 'Good morning.');
    const [female] = await speak(tts, 'Good morning.', { voice: 'en-us+f3' });
    expect(female!.samples).not.toEqual(plain!.samples);
    const [fast] = await speak(new EspeakTts({ process: worker, rate: 350 }), 'Good morning to all of you.');
    const [slow] = await speak(new EspeakTts({ process: worker, rate: 100 }), 'Good morning to all of you.');
    expect(fast!.samples.length * 2).toBeLessThan(slow!.samples.length);
  });

  it('rejects an unknown voice as a non-retryable provider error and keeps working', async () => {
    const err = await speak(tts, 'Hello.', { voice: 'xx-nonexistent' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: false, message: expect.stringContaining('xx-nonexistent') });
    expect(await speak(tts, 'Hello.')).toHaveLength(1);
  });

  it('yields nothing for blank text', async () => {
    expect(await speak(tts, '  \n ')).toEqual([]);
  });

  it('rejects out-of-range rate and pitch', () => {
    expect(() => new EspeakTts({ process: worker, rate: 10 })).toThrow(BadInputError);
    expect(() => new EspeakTts({ process: worker, pitch: 150 })).toThrow(BadInputError);
  });

  it('serves concurrent requests in turn, each with its own audio', async () => {
    const texts = ['One.', 'Two three four five six.', 'Seven eight.'];
    const results = await Promise.all(texts.map((t) => speak(tts, t)));
    expect(results.map((chunks) => chunks[0]!.words!.map((w) => w.word).join(' '))).toEqual([
      'One',
      'Two three four five six',
      'Seven eight',
    ]);
    expect(results[1]![0]!.samples.length).toBeGreaterThan(results[0]![0]!.samples.length * 2);
  });

  it('stops a running synthesis on abort by killing the worker, then speaks again with a fresh one', async () => {
    await worker.start();
    const startsBefore = worker.starts;
    // A stopped worker cannot finish first, whatever the machine's load: the abort always meets a running synthesis.
    process.kill(worker.pid!, 'SIGSTOP');
    const caller = new AbortController();
    const pending = speak(tts, LONG_TEXT, { signal: caller.signal });
    setTimeout(() => caller.abort(new DOMException('barge-in', 'AbortError')), 20);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', message: 'barge-in' });
    expect(worker.starts).toBe(startsBefore + 1);
    const [chunk] = await speak(tts, 'Still here.');
    expect(rms(chunk!.samples)).toBeGreaterThan(500);
  });

  it('drops a queued request on abort without disturbing the one running', async () => {
    const startsBefore = worker.starts;
    const running = speak(tts, 'The first sentence is running.');
    const caller = new AbortController();
    const queued = speak(tts, 'This one never starts.', { signal: caller.signal });
    caller.abort();
    await expect(queued).rejects.toMatchObject({ name: 'AbortError' });
    expect(await running).toHaveLength(1);
    expect(worker.starts).toBe(startsBefore);
  });

  it('fails the running request with a retryable error when the worker dies, and restarts it', async () => {
    await worker.start();
    const pid = worker.pid!;
    const iterator = tts
      .synthesize('This request dies with its worker.', { signal: new AbortController().signal })
      [Symbol.asyncIterator]();
    const pending = iterator.next();
    process.kill(pid, 'SIGKILL');
    await expect(pending).rejects.toMatchObject({
      name: 'ProviderError',
      retryable: true,
      message: expect.stringContaining('SIGKILL'),
    });
    expect(await speak(tts, 'Back again.')).toHaveLength(1);
    expect(worker.pid).not.toBe(pid);
  });

  it('fails with a retryable provider error when the worker cannot start', async () => {
    const broken = new EspeakProcess({ env: { ...process.env, ESPEAK_NG_LIBRARY: 'libdoes-not-exist.so' } });
    const err = await speak(new EspeakTts({ process: broken }), 'Hello.').catch((e: unknown) => e);
    expect(err).toMatchObject({
      name: 'ProviderError',
      retryable: true,
      message: expect.stringContaining('exited'),
    });
    await broken.close();
  });
});

describe('espeak timing conversion', () => {
  const phoneme = (name: string, ms: number): EspeakEvent => ({ type: 'phoneme', name, ms });
  const word = (textPosition: number, length: number, ms: number): EspeakEvent => ({
    type: 'word',
    ms,
    textPosition,
    length,
  });

  it('ends each phoneme where the next starts, the last at the end of the audio, dropping empty ones', () => {
    expect(
      phonemeTimings([phoneme('h', 10), phoneme('@', 60), phoneme('_:', 90), phoneme('_', 90)], 120),
    ).toEqual([
      { phoneme: 'h', startMs: 10, endMs: 60 },
      { phoneme: '@', startMs: 60, endMs: 90 },
      { phoneme: '_', startMs: 90, endMs: 120 },
    ]);
  });

  it('merges the words espeak-ng speaks for one token and skips zero-length word events', () => {
    // "It's 3.5 km" is spoken as it's / three / point / five / kilometres.
    const events = [
      word(1, 4, 0),
      word(6, 1, 200),
      word(7, 1, 400),
      word(8, 1, 600),
      word(5, 0, 650),
      word(10, 2, 800),
    ];
    expect(wordTimings("It's 3.5 km", events, 1_200)).toEqual([
      { word: "It's", index: 0, startMs: 0, endMs: 200 },
      { word: '3.5', index: 1, startMs: 200, endMs: 800 },
      { word: 'km', index: 2, startMs: 800, endMs: 1_200 },
    ]);
  });

  it('counts character positions in code points, not UTF-16 units', () => {
    expect(wordTimings('😀 café naïve', [word(3, 4, 0), word(8, 5, 300)], 600).map((w) => w.word)).toEqual([
      'café',
      'naïve',
    ]);
  });
});
