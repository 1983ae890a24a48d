import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../../test-support/fake-openai-server';
import { ProviderError } from '../../errors';
import { OpenAiStt } from './openai';
import { collectResults } from './testing/transcripts';

const audio = {
  samples: new Int16Array(16_000).map((_, i) => Math.round(3000 * Math.sin(i / 5))),
  sampleRate: 16_000,
};

describe('OpenAiStt against the fake OpenAI server', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ transcription: { text: ' turn on the lights ' } });
  });
  afterAll(() => fake.close());

  it('uploads the utterance as a WAV file and returns one final result', async () => {
    const stt = new OpenAiStt({ apiKey: 'test', baseURL: fake.baseURL, model: 'whisper-1' });
    const results = await collectResults(
      stt.transcribe(audio, { signal: new AbortController().signal, language: 'en' }),
    );
    expect(results).toEqual([{ text: 'turn on the lights', isFinal: true, confidence: 1, alternatives: [] }]);
    const request = fake.requests.at(-1)!;
    expect(request.path).toBe('/audio/transcriptions');
    expect(request.body).toMatchObject({ model: 'whisper-1', language: 'en', response_format: 'json' });
    // 44-byte WAV header + 2 bytes per sample.
    expect(request.body.file).toMatchObject({ size: 44 + 2 * 16_000 });
  });
});

/**
 * Streams with exact logprobs, broken streams and HTTP errors are served here, in OpenAI's wire format (the
 * shared fake streams only well-formed transcripts).
 */
describe('OpenAiStt: streaming and errors', () => {
  let server: Server;
  let baseURL: string;
  let respond: (req: IncomingMessage, res: ServerResponse) => void;

  beforeAll(async () => {
    server = createServer((req, res) => {
      req.resume();
      req.on('end', () => respond(req, res));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    baseURL = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const sse = (events: unknown[]) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(200, { 'content-type': 'text/event-stream' });
    for (const event of events) res.write(`data: ${JSON.stringify(event)}\n\n`);
    res.end();
  };
  const httpError = (status: number) => (_req: IncomingMessage, res: ServerResponse) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({ error: { message: `status ${status}`, type: 'invalid_request_error', code: null } }),
    );
  };
  const stt = () =>
    new OpenAiStt({ apiKey: 'test', baseURL, model: 'gpt-4o-mini-transcribe', maxRetries: 0 });

  it('streams partials and a final result with confidence from logprobs', async () => {
    respond = sse([
      { type: 'transcript.text.delta', delta: 'hello' },
      { type: 'transcript.text.delta', delta: ' there' },
      {
        type: 'transcript.text.done',
        text: 'hello there',
        logprobs: [
          { token: 'hello', logprob: Math.log(0.5) },
          { token: ' there', logprob: Math.log(0.5) },
        ],
      },
    ]);
    const results = await collectResults(stt().transcribe(audio, { signal: new AbortController().signal }));
    expect(results.map((r) => [r.text, r.isFinal])).toEqual([
      ['hello', false],
      ['hello there', false],
      ['hello there', true],
    ]);
    expect(results.at(-1)!.confidence).toBeCloseTo(0.5, 5);
  });

  it('a stream that ends without a final transcript is a retryable ProviderError', async () => {
    respond = sse([{ type: 'transcript.text.delta', delta: 'hel' }]);
    const err = await collectResults(stt().transcribe(audio, { signal: new AbortController().signal })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.retryable).toBe(true);
  });

  it.each([
    [429, true],
    [500, true],
    [503, true],
    [401, true],
    [400, false],
    [413, false],
  ])('HTTP %i becomes a ProviderError with retryable=%s', async (status, retryable) => {
    respond = httpError(status);
    const err = await collectResults(stt().transcribe(audio, { signal: new AbortController().signal })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.code).toBe('PROVIDER_ERROR');
    expect(err.retryable).toBe(retryable);
    expect(err.message).toContain(String(status));
  });

  it('a timeout is a retryable PROVIDER_TIMEOUT', async () => {
    respond = () => {}; // never answers
    const slow = new OpenAiStt({
      apiKey: 'test',
      baseURL,
      model: 'whisper-1',
      timeoutMs: 200,
      maxRetries: 0,
    });
    const err = await collectResults(slow.transcribe(audio, { signal: new AbortController().signal })).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect(err.code).toBe('PROVIDER_TIMEOUT');
    expect(err.retryable).toBe(true);
  });

  it('the caller aborting ends with the abort reason, not a provider error', async () => {
    respond = () => {};
    const controller = new AbortController();
    const pending = collectResults(stt().transcribe(audio, { signal: controller.signal }));
    setTimeout(() => controller.abort(new Error('barge-in')), 50);
    await expect(pending).rejects.toThrow('barge-in');
  });
});
