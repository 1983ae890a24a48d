import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, fakeEmbedding, startFakeOpenAI } from '../../../test-support/fake-openai-server';
import { BadInputError, ProviderError } from '../../errors';
import { OpenAIEmbedding } from './openai';

describe('OpenAI embeddings adapter', () => {
  let server: FakeOpenAI;
  beforeAll(async () => {
    server = await startFakeOpenAI();
  });
  afterAll(() => server.close());

  it('asks for 384 dimensions and returns the vectors in input order', async () => {
    const adapter = new OpenAIEmbedding({
      baseURL: server.baseURL,
      apiKey: 'k',
      model: 'text-embedding-3-small',
    });
    const vectors = await adapter.embed(['first memory', 'second memory']);
    expect(vectors).toHaveLength(2);
    const expected = fakeEmbedding('second memory');
    expect(vectors[1]!.map((v, i) => Math.abs(v - expected[i]!)).every((d) => d < 1e-5)).toBe(true);
    const request = server.requests.at(-1)!;
    expect(request.path).toBe('/embeddings');
    expect(request.body).toMatchObject({ model: 'text-embedding-3-small', dimensions: 384 });
  });

  it('rejects empty text before calling the provider', async () => {
    const adapter = new OpenAIEmbedding({ baseURL: server.baseURL });
    const before = server.requests.length;
    await expect(adapter.embed(['ok', ''])).rejects.toBeInstanceOf(BadInputError);
    expect(server.requests.length).toBe(before);
  });

  it('reports an unreachable endpoint as a retryable provider error', async () => {
    const adapter = new OpenAIEmbedding({
      baseURL: 'http://127.0.0.1:9/v1',
      maxRetries: 0,
      timeoutMs: 2_000,
    });
    const error = await adapter.embed(['hello']).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ProviderError);
    expect((error as ProviderError).retryable).toBe(true);
  });
});
