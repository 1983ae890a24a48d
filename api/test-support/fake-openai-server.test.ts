import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  FAKE_SPEECH_SAMPLE_RATE,
  type FakeOpenAI,
  fakeEmbedding,
  startFakeOpenAI,
} from './fake-openai-server';

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ baseURL: fake.baseURL, apiKey: 'test-key', maxRetries: 0 });
});
afterAll(() => fake.close());

describe('fake OpenAI server', () => {
  it('streams chat chunks then a usage chunk then [DONE], as the SDK expects', async () => {
    fake.setScript({ chat: { content: 'Hello there', chunks: ['Hel', 'lo ', 'there'] } });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const deltas: string[] = [];
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      const delta = chunk.choices[0]?.delta.content;
      if (delta) deltas.push(delta);
      if (chunk.usage) usage = chunk.usage;
    }
    expect(deltas).toEqual(['Hel', 'lo ', 'there']);
    expect(usage?.completion_tokens).toBe(3);
    expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer test-key');
  });

  it('sends raw SSE framing ending in data: [DONE]', async () => {
    fake.setScript({ chat: { content: 'ok' } });
    const res = await fetch(`${fake.baseURL}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'm', messages: [], stream: true }),
    });
    const text = await res.text();
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    expect(text.trimEnd().endsWith('data: [DONE]')).toBe(true);
    expect(
      text
        .split('\n\n')
        .filter(Boolean)
        .every((event) => event.startsWith('data: ')),
    ).toBe(true);
  });

  it('echoes the user in avatar JSON when no content is scripted (non-streaming)', async () => {
    fake.setScript({});
    const res = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'ping' }],
    });
    expect(JSON.parse(res.choices[0]?.message.content ?? '')).toMatchObject({ text: 'You said: ping' });
  });

  it('answers 429 with an OpenAI error body and Retry-After, then the next scripted entry', async () => {
    fake.setScript({ chat: [{ error: { status: 429, retryAfterSeconds: 7 } }, { content: 'second' }] });
    const err = await client.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const rateLimit = err as InstanceType<typeof OpenAI.RateLimitError>;
    expect(rateLimit.headers.get('retry-after')).toBe('7');
    expect(rateLimit.code).toBe('rate_limit_exceeded');
    const ok = await client.chat.completions.create({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
    });
    expect(ok.choices[0]?.message.content).toBe('second');
  });

  it('drops the connection mid-stream after the scripted number of chunks', async () => {
    fake.setScript({ chat: { content: 'abcdefghijkl', dropAfterChunks: 1 } });
    const stream = await client.chat.completions.create({ model: 'm', messages: [], stream: true });
    const received: string[] = [];
    await expect(
      (async () => {
        for await (const chunk of stream) received.push(chunk.choices[0]?.delta.content ?? '');
      })(),
    ).rejects.toThrow();
    expect(received.join('')).toBe('abcd');
  });

  it('synthesizes PCM of a length proportional to the text, and WAV with a RIFF header', async () => {
    const pcm = Buffer.from(
      await (
        await client.audio.speech.create({
          model: 'tts-1',
          voice: 'alloy',
          input: 'hello',
          response_format: 'pcm',
        })
      ).arrayBuffer(),
    );
    expect(pcm.length / 2).toBe(Math.round(FAKE_SPEECH_SAMPLE_RATE * 0.06 * 5));
    const wav = Buffer.from(
      await (
        await client.audio.speech.create({
          model: 'tts-1',
          voice: 'alloy',
          input: 'hi',
          response_format: 'wav',
        })
      ).arrayBuffer(),
    );
    expect(wav.subarray(0, 4).toString()).toBe('RIFF');
  });

  it('speaks real espeak-ng audio when asked', async () => {
    fake.setScript({ speech: 'espeak' });
    const res = await client.audio.speech.create({
      model: 'tts-1',
      voice: 'alloy',
      input: 'hello world',
      response_format: 'pcm',
    });
    const samples = new Int16Array(await res.arrayBuffer());
    const peak = samples.reduce((max, s) => Math.max(max, Math.abs(s)), 0);
    expect(samples.length).toBeGreaterThan(FAKE_SPEECH_SAMPLE_RATE * 0.3);
    expect(peak).toBeGreaterThan(1000);
  });

  it('transcribes a multipart upload as json and verbose_json', async () => {
    fake.setScript({ transcription: { text: 'what is your name' } });
    const file = new File([new Uint8Array(32_044)], 'a.wav', { type: 'audio/wav' });
    const json = await client.audio.transcriptions.create({ model: 'whisper-1', file });
    expect(json.text).toBe('what is your name');
    const verbose = await client.audio.transcriptions.create({
      model: 'whisper-1',
      file,
      response_format: 'verbose_json',
    });
    expect(verbose.duration).toBeCloseTo(1, 3);
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'whisper-1',
      file: { name: 'a.wav', size: 32_044 },
    });
  });

  it('streams a transcription as the gpt-4o transcribe models do: word deltas, then the whole text', async () => {
    fake.setScript({ transcription: { text: 'what is your name' } });
    const file = new File([new Uint8Array(32_044)], 'a.wav', { type: 'audio/wav' });
    const events = await client.audio.transcriptions.create({
      model: 'gpt-4o-transcribe',
      file,
      stream: true,
    });
    const seen: string[] = [];
    for await (const event of events) {
      seen.push(event.type === 'transcript.text.delta' ? event.delta : `done: ${event.text}`);
    }
    expect(seen).toEqual(['what ', 'is ', 'your ', 'name', 'done: what is your name']);
  });

  it('returns deterministic unit embeddings of the requested dimensions (base64 via the SDK)', async () => {
    const res = await client.embeddings.create({
      model: 'e',
      input: ['alpha', 'beta', 'alpha'],
      dimensions: 16,
    });
    const [a, b, a2] = res.data.map((d) => d.embedding);
    expect(a).toHaveLength(16);
    expect(Math.hypot(...(a ?? []))).toBeCloseTo(1, 5);
    expect(a2).toEqual(a);
    expect(b).not.toEqual(a);
    expect(a?.[0]).toBeCloseTo(fakeEmbedding('alpha', 16)[0] ?? Number.NaN, 5);
    const defaults = await client.embeddings.create({ model: 'e', input: 'x', encoding_format: 'float' });
    expect(defaults.data[0]?.embedding).toHaveLength(384);
  });

  it('flags moderation inputs containing configured terms', async () => {
    fake.setScript({ flaggedTerms: ['Badword'] });
    const res = await client.moderations.create({ input: ['a BADWORD here', 'fine'] });
    expect(res.results.map((r) => r.flagged)).toEqual([true, false]);
  });
});
