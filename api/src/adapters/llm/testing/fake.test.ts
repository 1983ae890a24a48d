import { describe, expect, it } from 'vitest';
import { ProviderError } from '../../../errors';
import type { LlmRequest } from '../types';
import { FakeLlm } from './fake';

const request = (signal = new AbortController().signal): LlmRequest => ({
  messages: [{ role: 'user', content: 'hi' }],
  signal,
});

async function text(llm: FakeLlm, req = request()) {
  let out = '';
  for await (const chunk of llm.stream(req)) if (chunk.type === 'content') out += chunk.text;
  return out;
}

describe('FakeLlm', () => {
  it('plays scripted turns in order, repeating the last, and records requests', async () => {
    const llm = new FakeLlm([{ chunks: ['a', 'b'] }, { content: 'second' }]);
    expect(await text(llm)).toBe('ab');
    expect(await text(llm)).toBe('second');
    expect(await text(llm)).toBe('second');
    expect(llm.requests).toHaveLength(3);
  });

  it('fails after the scripted number of chunks', async () => {
    const llm = new FakeLlm({
      chunks: ['a', 'b', 'c'],
      error: new ProviderError('fake', 'boom'),
      failAfterChunks: 2,
    });
    const seen: string[] = [];
    const err = await (async () => {
      for await (const chunk of llm.stream(request())) if (chunk.type === 'content') seen.push(chunk.text);
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['a', 'b']);
    expect(err).toBeInstanceOf(ProviderError);
  });

  it('interrupts a chunk delay at once on abort', async () => {
    const llm = new FakeLlm({ chunks: ['a', 'b'], chunkDelayMs: 10_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 10);
    await expect(text(llm, request(controller.signal))).rejects.toThrow('stop');
  });
});
