import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test-support/fake-openai-server';
import { ProviderError } from '../../errors';
import { OpenAITts } from './openai';
import type { TtsChunk } from './types';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());

async function collect(stream: AsyncIterable<TtsChunk>, into: TtsChunk[] = []) {
  for await (const chunk of stream) into.push(chunk);
  return into;
}

const signal = () => new AbortController().signal;

/** A port nothing listens on: bind one, then close it. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('OpenAITts (against the fake OpenAI server)', () => {
  it('asks for raw PCM with the voice and model and streams 24 kHz speech that is not silent', async () => {
    fake.setScript({ speech: 'espeak' });
    const tts = new OpenAITts({
      baseURL: fake.baseURL,
      apiKey: 'sk-test',
      model: 'tts-1',
      voice: 'nova',
      speed: 1.25,
    });
    const chunks = await collect(tts.synthesize('Hello from the cloud.', { signal: signal() }));
    const request = fake.requests.at(-1);
    expect(request).toMatchObject({
      path: '/audio/speech',
      body: {
        model: 'tts-1',
        voice: 'nova',
        input: 'Hello from the cloud.',
        response_format: 'pcm',
        speed: 1.25,
      },
    });
    expect(request?.headers.authorization).toBe('Bearer sk-test');
    expect(
      chunks.every((c) => c.sampleRate === 24_000 && c.phonemes === undefined && c.words === undefined),
    ).toBe(true);
    const samples = chunks.flatMap((c) => [...c.samples]);
    expect(samples.length / 24_000).toBeGreaterThan(0.8);
    expect(Math.max(...samples.map(Math.abs))).toBeGreaterThan(2_000);
  });

  it('lets the call choose the voice', async () => {
    fake.setScript({});
    await collect(
      new OpenAITts({ baseURL: fake.baseURL, voice: 'nova' }).synthesize('Hi.', {
        voice: 'onyx',
        signal: signal(),
      }),
    );
    expect(fake.requests.at(-1)?.body.voice).toBe('onyx');
  });

  it('reassembles the exact samples whatever the network split', async () => {
    fake.setScript({});
    const text = 'A somewhat longer sentence so that the body spans many network reads.';
    const chunks = await collect(
      new OpenAITts({ baseURL: fake.baseURL }).synthesize(text, { signal: signal() }),
    );
    const samples = Int16Array.from(chunks.flatMap((c) => [...c.samples]));
    // The fake's sine: 60 ms per character at 24 kHz, amplitude 8000, 220 Hz.
    expect(samples.length).toBe(Math.round(24_000 * 0.06 * text.length));
    for (const i of [0, 1, 12_345, samples.length - 1]) {
      expect(samples[i]).toBe(Math.round(8000 * Math.sin((2 * Math.PI * 220 * i) / 24_000)));
    }
  });

  it('makes no request for blank text', async () => {
    const before = fake.requests.length;
    expect(
      await collect(new OpenAITts({ baseURL: fake.baseURL }).synthesize('   ', { signal: signal() })),
    ).toEqual([]);
    expect(fake.requests).toHaveLength(before);
  });

  it('stops streaming when aborted mid-body', async () => {
    fake.setScript({});
    const caller = new AbortController();
    const received: TtsChunk[] = [];
    const long = 'This sentence is repeated to make a long body. '.repeat(80);
    const stream = new OpenAITts({ baseURL: fake.baseURL }).synthesize(long, { signal: caller.signal });
    const done = (async () => {
      for await (const chunk of stream) {
        received.push(chunk);
        if (received.length === 1) caller.abort(new DOMException('barge-in', 'AbortError'));
      }
    })();
    await expect(done).rejects.toMatchObject({ name: 'AbortError', message: 'barge-in' });
    const got = received.reduce((n, c) => n + c.samples.length, 0);
    expect(got).toBeLessThan(Math.round(24_000 * 0.06 * long.length));
  });

  it('reports an unreachable server as a retryable provider error', async () => {
    const tts = new OpenAITts({ baseURL: `http://127.0.0.1:${await closedPort()}/v1`, maxRetries: 0 });
    const err = await collect(tts.synthesize('Hello.', { signal: signal() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true });
  });

  it('reports an unknown route or model as a failure the next provider may retry', async () => {
    const tts = new OpenAITts({ baseURL: `${fake.baseURL}/no-such-prefix`, maxRetries: 0 });
    const err = await collect(tts.synthesize('Hello.', { signal: signal() })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    // Same classification as STT and LLM: only complaints about the request itself stop the failover chain.
    expect(err).toMatchObject({ retryable: true, message: expect.stringContaining('HTTP 404') });
  });
});
