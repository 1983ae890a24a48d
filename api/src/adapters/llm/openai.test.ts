import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test-support/fake-openai-server';
import { ProviderError } from '../../errors';
import { OpenAILlm } from './openai';
import type { LlmChunk, LlmRequest } from './types';

let fake: FakeOpenAI;
beforeAll(async () => {
  fake = await startFakeOpenAI();
});
afterAll(() => fake.close());

const request = (overrides: Partial<LlmRequest> = {}): LlmRequest => ({
  messages: [
    { role: 'system', content: 'Answer in JSON.' },
    { role: 'user', content: 'hello' },
  ],
  signal: new AbortController().signal,
  json: true,
  ...overrides,
});

async function collect(stream: AsyncIterable<LlmChunk>): Promise<{ text: string; chunks: LlmChunk[] }> {
  const chunks: LlmChunk[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return { text: chunks.map((c) => (c.type === 'content' ? c.text : '')).join(''), chunks };
}

const adapter = (opts: Partial<ConstructorParameters<typeof OpenAILlm>[0]> = {}) =>
  new OpenAILlm({ baseURL: fake.baseURL, apiKey: 'k', model: 'gpt-test', maxRetries: 0, ...opts });

describe('OpenAILlm', () => {
  it('streams content deltas and usage, asking for a JSON object and usage', async () => {
    fake.setScript({ chat: { content: '{"text":"Hi there"}', chunks: ['{"te', 'xt":"Hi', ' there"}'] } });
    const { text, chunks } = await collect(adapter().stream(request({ maxTokens: 50 })));
    expect(text).toBe('{"text":"Hi there"}');
    expect(chunks.filter((c) => c.type === 'content')).toHaveLength(3);
    expect(chunks.at(-1)).toEqual({
      type: 'usage',
      usage: { promptTokens: expect.any(Number), completionTokens: 3 },
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      model: 'gpt-test',
      stream: true,
      stream_options: { include_usage: true },
      response_format: { type: 'json_object' },
      max_tokens: 50,
    });
  });

  it('does not send response_format when the server has no JSON mode', async () => {
    fake.setScript({ chat: { content: 'x' } });
    await collect(adapter({ jsonMode: false }).stream(request()));
    expect(fake.requests.at(-1)?.body).not.toHaveProperty('response_format');
  });

  it('passes malformed JSON and plain text through untouched (the parser decides)', async () => {
    for (const content of ['{"text": "unterminated', 'Just words, no JSON at all.']) {
      fake.setScript({ chat: { content } });
      expect((await collect(adapter().stream(request()))).text).toBe(content);
    }
  });

  it('yields slow tokens as they arrive, without timing out while tokens keep coming', async () => {
    fake.setScript({ chat: { content: 'abcdefgh', chunks: ['ab', 'cd', 'ef', 'gh'], tokenDelayMs: 40 } });
    const arrivals: number[] = [];
    const started = performance.now();
    for await (const chunk of adapter({ idleTimeoutMs: 5_000 }).stream(request())) {
      if (chunk.type === 'content') arrivals.push(performance.now() - started);
    }
    expect(arrivals).toHaveLength(4);
    // Each token arrived separately rather than all at the end.
    expect((arrivals[3] ?? 0) - (arrivals[0] ?? 0)).toBeGreaterThanOrEqual(100);
  });

  it('fails with a retryable PROVIDER_TIMEOUT when the stream stalls', async () => {
    fake.setScript({ chat: { content: 'abcdefgh', chunks: ['ab', 'cd'], tokenDelayMs: 300 } });
    const err = await collect(adapter({ idleTimeoutMs: 100 }).stream(request())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'PROVIDER_TIMEOUT', retryable: true });
  });

  it('maps 429 to a retryable ProviderError that mentions Retry-After', async () => {
    fake.setScript({ chat: { error: { status: 429, retryAfterSeconds: 3 } } });
    const err = await collect(adapter({ label: 'primary' }).stream(request())).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true, provider: 'primary' });
    expect((err as Error).message).toContain('retry after 3s');
  });

  it('maps 500 and 401 to retryable (another provider may answer) and 400 to not retryable', async () => {
    const outcomes: Record<number, boolean> = {};
    for (const status of [500, 400, 401]) {
      fake.setScript({ chat: { error: { status } } });
      const err = (await collect(adapter().stream(request())).catch((e: unknown) => e)) as ProviderError;
      outcomes[status] = err.retryable;
    }
    expect(outcomes).toEqual({ 500: true, 400: false, 401: true });
  });

  it('retries a 500 once itself when maxRetries allows, then succeeds', async () => {
    fake.setScript({ chat: [{ error: { status: 500, retryAfterSeconds: 0 } }, { content: 'recovered' }] });
    const { text } = await collect(adapter({ maxRetries: 1 }).stream(request()));
    expect(text).toBe('recovered');
  });

  it('maps a connection dropped mid-stream to a retryable ProviderError after the received content', async () => {
    fake.setScript({ chat: { content: 'abcdefghijkl', dropAfterChunks: 2 } });
    const received: string[] = [];
    const err = await (async () => {
      for await (const chunk of adapter().stream(request()))
        if (chunk.type === 'content') received.push(chunk.text);
    })().catch((e: unknown) => e);
    expect(received.join('')).toBe('abcdefgh');
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true });
  });

  it('maps an unreachable endpoint to a retryable ProviderError', async () => {
    const err = await collect(
      new OpenAILlm({ baseURL: 'http://127.0.0.1:9/v1', model: 'm', maxRetries: 0 }).stream(request()),
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true });
  });

  it('stops at once when aborted mid-stream and rethrows the abort reason, not a ProviderError', async () => {
    fake.setScript({ chat: { content: 'a'.repeat(400), chunks: Array(100).fill('aaaa'), tokenDelayMs: 20 } });
    const controller = new AbortController();
    const received: string[] = [];
    const err = await (async () => {
      for await (const chunk of adapter().stream(request({ signal: controller.signal }))) {
        if (chunk.type !== 'content') continue;
        received.push(chunk.text);
        if (received.length === 3) controller.abort(new Error('barge-in'));
      }
    })().catch((e: unknown) => e);
    expect(err).toEqual(new Error('barge-in'));
    expect(received).toHaveLength(3);
  });
});
