import { describe, expect, it } from 'vitest';
import { BadInputError, ProviderError } from '../errors';
import {
  type FailoverEvent,
  FailoverLlm,
  FailoverStt,
  FailoverTts,
  type LabelledProvider,
  ProviderChain,
} from './failover';
import { LocalResponderLlm } from './llm/local-responder';
import { FakeLlm } from './llm/testing/fake';
import { FakeStt } from './stt/testing/fake';
import { RecordingTracer } from './testing/recording-trace';
import { FakeTts } from './tts/testing/fake';

const CALL = { capability: 'test' };

type Step =
  | { value: string; delayMs?: number }
  | { error: Error; delayMs?: number }
  | { hang: 'honours-signal' | 'ignores-signal' };

/** A provider that plays a script of values, errors and hangs, and records the signal of each call. */
class ScriptedProvider implements LabelledProvider {
  readonly capabilities = {};
  readonly signals: AbortSignal[] = [];
  constructor(
    readonly label: string,
    private readonly steps: Step[],
  ) {}

  async *run(signal: AbortSignal): AsyncGenerator<string> {
    this.signals.push(signal);
    for (const step of this.steps) {
      if ('hang' in step) {
        await new Promise((_, reject) => {
          if (step.hang === 'honours-signal') signal.addEventListener('abort', () => reject(signal.reason));
        });
      } else {
        if (step.delayMs) await new Promise((r) => setTimeout(r, step.delayMs));
        if ('error' in step) throw step.error;
        yield step.value;
      }
    }
  }
}

function chainOf(providers: ScriptedProvider[], firstChunkTimeoutMs = 1_000) {
  const events: FailoverEvent[] = [];
  const chain = ProviderChain.create(providers, { firstChunkTimeoutMs, onEvent: (e) => events.push(e) });
  const run = (signal = new AbortController().signal) => chain.stream(signal, (p, s) => p.run(s), CALL);
  return { chain, events, run };
}

async function collect<T>(stream: AsyncIterable<T>, into: T[] = []): Promise<T[]> {
  for await (const item of stream) into.push(item);
  return into;
}

const metricsOf = (chain: ProviderChain<ScriptedProvider>, label: string) =>
  chain.metrics().find((m) => m.label === label);

describe('ProviderChain', () => {
  it('streams the first provider and never calls the others when it succeeds', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }, { value: 'a2' }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { run, chain } = chainOf([a, b]);
    expect(await collect(run())).toEqual(['a1', 'a2']);
    expect(b.signals).toHaveLength(0);
    expect(metricsOf(chain, 'a')).toMatchObject({ calls: 1, successes: 1, failures: 0 });
  });

  it('fails over to the next provider on a retryable error before the first chunk', async () => {
    const a = new ScriptedProvider('a', [{ error: new ProviderError('a', 'HTTP 503') }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { run, chain, events } = chainOf([a, b]);
    expect(await collect(run())).toEqual(['b1']);
    expect(events).toEqual([expect.objectContaining({ type: 'failover', from: 'a', to: 'b' })]);
    expect(metricsOf(chain, 'a')).toMatchObject({
      calls: 1,
      failures: 1,
      lastError: expect.objectContaining({ code: 'PROVIDER_ERROR' }),
    });
    expect(metricsOf(chain, 'b')).toMatchObject({ calls: 1, successes: 1 });
  });

  it('traces each attempt under the call context and logs the failover with its turn fields', async () => {
    const tracer = new RecordingTracer();
    const a = new ScriptedProvider('a', [{ error: new ProviderError('a', 'HTTP 503') }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { chain, events } = chainOf([a, b]);
    const log = { sessionId: 's1', responseId: 'r1' };
    const call = { capability: 'llm', context: { trace: tracer.root('llm'), log } };
    expect(await collect(chain.stream(new AbortController().signal, (p, s) => p.run(s), call))).toEqual([
      'b1',
    ]);
    expect(tracer.spans.slice(1)).toEqual([
      expect.objectContaining({
        name: 'provider.llm',
        attributes: { 'provider.label': 'a', 'provider.attempt': 1, 'provider.failover_to': 'b' },
        failed: true,
        ended: true,
      }),
      expect.objectContaining({
        name: 'provider.llm',
        attributes: { 'provider.label': 'b', 'provider.attempt': 2 },
        marks: ['first_chunk'],
        failed: false,
        ended: true,
      }),
    ]);
    expect(events).toEqual([expect.objectContaining({ type: 'failover', log })]);
  });

  it('propagates a non-retryable error without trying the next provider', async () => {
    const a = new ScriptedProvider('a', [{ error: new BadInputError('text too long') }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    await expect(collect(chainOf([a, b]).run())).rejects.toBeInstanceOf(BadInputError);
    expect(b.signals).toHaveLength(0);
  });

  it('does not treat a plain Error (a bug, not an outage) as retryable', async () => {
    const a = new ScriptedProvider('a', [{ error: new TypeError('undefined is not a function') }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    await expect(collect(chainOf([a, b]).run())).rejects.toBeInstanceOf(TypeError);
    expect(b.signals).toHaveLength(0);
  });

  it('propagates an error after output started instead of failing over (audio cannot be unsaid)', async () => {
    const a = new ScriptedProvider('a', [
      { value: 'a1' },
      { error: new ProviderError('a', 'connection reset') },
    ]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const received: string[] = [];
    await expect(collect(chainOf([a, b]).run(), received)).rejects.toThrow('connection reset');
    expect(received).toEqual(['a1']);
    expect(b.signals).toHaveLength(0);
  });

  it('abandons a provider that gives no first chunk within the timeout, aborting its call', async () => {
    const a = new ScriptedProvider('a', [{ hang: 'honours-signal' }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { run, chain, events } = chainOf([a, b], 50);
    expect(await collect(run())).toEqual(['b1']);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(metricsOf(chain, 'a')).toMatchObject({
      failures: 1,
      timeouts: 1,
      lastError: expect.objectContaining({ code: 'PROVIDER_TIMEOUT' }),
    });
    expect(events[0]).toMatchObject({ type: 'failover', from: 'a', to: 'b' });
  });

  it('abandons a provider that ignores its signal too', async () => {
    const a = new ScriptedProvider('a', [{ hang: 'ignores-signal' }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    expect(await collect(chainOf([a, b], 50).run())).toEqual(['b1']);
  });

  it('does not apply the first-chunk timeout to later chunks', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }, { value: 'a2', delayMs: 120 }]);
    expect(await collect(chainOf([a], 50).run())).toEqual(['a1', 'a2']);
  });

  it('stops at once when the caller aborts, even if the provider ignores its signal, and does not fail over', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }, { hang: 'ignores-signal' }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { run, chain, events } = chainOf([a, b]);
    const caller = new AbortController();
    const received: string[] = [];
    const done = collect(run(caller.signal), received);
    await new Promise((r) => setTimeout(r, 20));
    caller.abort(new DOMException('barge-in', 'AbortError'));
    await expect(done).rejects.toMatchObject({ name: 'AbortError', message: 'barge-in' });
    expect(received).toEqual(['a1']);
    expect(a.signals[0]?.aborted).toBe(true);
    expect(b.signals).toHaveLength(0);
    expect(events).toEqual([]);
    expect(metricsOf(chain, 'a')).toMatchObject({ aborts: 1, failures: 0 });
  });

  it('does not call any provider when the signal is already aborted', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }]);
    const caller = new AbortController();
    caller.abort();
    await expect(collect(chainOf([a]).run(caller.signal))).rejects.toMatchObject({ name: 'AbortError' });
    expect(a.signals).toHaveLength(0);
  });

  it('stops the provider when the consumer stops reading early', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }, { value: 'a2' }]);
    for await (const value of chainOf([a]).run()) {
      expect(value).toBe('a1');
      break;
    }
    expect(a.signals[0]?.aborted).toBe(true);
  });

  it('reports every provider error when all of them fail, as one retryable ProviderError', async () => {
    const a = new ScriptedProvider('a', [{ error: new ProviderError('a', 'HTTP 503') }]);
    const b = new ScriptedProvider('b', [{ hang: 'honours-signal' }]);
    const { run, events } = chainOf([a, b], 30);
    const err = await collect(run()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect(err).toMatchObject({ retryable: true, code: 'PROVIDER_ERROR', provider: 'a > b' });
    expect((err as Error).message).toMatch(/HTTP 503.*no output within 30 ms/);
    expect(events.map((e) => e.type)).toEqual(['failover', 'exhausted']);
  });

  it('records the latency to the first chunk per provider', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1', delayMs: 40 }]);
    const { run, chain } = chainOf([a]);
    await collect(run());
    await collect(run());
    const latency = metricsOf(chain, 'a')?.firstChunkMs;
    expect(latency?.count).toBe(2);
    expect(latency?.p50).toBeGreaterThanOrEqual(35);
    expect(latency?.max).toBeGreaterThanOrEqual(latency?.p50 ?? Number.POSITIVE_INFINITY);
  });

  it('orders providers per session view, sharing metrics with the configured chain', async () => {
    const a = new ScriptedProvider('a', [{ value: 'a1' }]);
    const b = new ScriptedProvider('b', [{ value: 'b1' }]);
    const { run, chain } = chainOf([a, b]);
    const persona = chain.withOrder(['b']);
    expect(await collect(persona.stream(new AbortController().signal, (p, s) => p.run(s), CALL))).toEqual([
      'b1',
    ]);
    expect(await collect(run())).toEqual(['a1']);
    const reordered = chain.withOrder(['b', 'a']);
    expect(await collect(reordered.stream(new AbortController().signal, (p, s) => p.run(s), CALL))).toEqual([
      'b1',
    ]);
    expect(metricsOf(chain, 'b')?.calls).toBe(2);
    expect(() => chain.withOrder(['c'])).toThrow(/Unknown provider "c"/);
    expect(() => ProviderChain.create([], { firstChunkTimeoutMs: 10 })).toThrow(/at least one/);
  });
});

describe('FailoverTts', () => {
  it('is a TTSAdapter that falls back from a failing engine', async () => {
    const broken = new FakeTts({
      label: 'broken',
      script: { fail: new ProviderError('broken', 'worker crashed') },
    });
    const plain = new FakeTts({ label: 'plain', voice: { timings: false, sampleRate: 24_000 } });
    const tts = new FailoverTts(ProviderChain.create([broken, plain], { firstChunkTimeoutMs: 1_000 }));
    expect(tts.label).toBe('failover(broken,plain)');
    const chunks = await collect(
      tts.synthesize('hi there', { voice: 'en-us', signal: new AbortController().signal }),
    );
    expect(chunks.length).toBeGreaterThan(0);
    expect(chunks.every((c) => c.sampleRate === 24_000 && c.phonemes === undefined)).toBe(true);
    expect(broken.calls[0]).toMatchObject({ text: 'hi there', voice: 'en-us' });
    expect(broken.calls[0]?.signal.aborted).toBe(true);
    // An espeak voice name would make the fallback fail: it speaks in its own default voice instead.
    expect(plain.calls[0]).toMatchObject({ text: 'hi there', voice: undefined });
  });

  it('lets the app map the voice per provider', async () => {
    const broken = new FakeTts({
      label: 'espeak-ng',
      script: { fail: new ProviderError('espeak-ng', 'down') },
    });
    const cloud = new FakeTts({ label: 'openai-tts' });
    const voices: Record<string, string> = { 'espeak-ng': 'en-gb', 'openai-tts': 'nova' };
    const tts = new FailoverTts(
      ProviderChain.create([broken, cloud], { firstChunkTimeoutMs: 1_000 }),
      (p) => voices[p.label],
    );
    await collect(tts.synthesize('hello', { voice: 'ignored', signal: new AbortController().signal }));
    expect([broken.calls[0]?.voice, cloud.calls[0]?.voice]).toEqual(['en-gb', 'nova']);
  });
});

describe('FailoverLlm.prepare', () => {
  it("is the first provider's, and absent when that provider cannot prepare", async () => {
    const model = new FakeLlm();
    const ready = new FailoverLlm(
      ProviderChain.create([model, new LocalResponderLlm()], { firstChunkTimeoutMs: 1_000 }),
    );
    await ready.prepare?.({ messages: [{ role: 'system', content: 'You are Ada.' }] });
    expect(model.prepared).toHaveLength(1);
    expect(
      new FailoverLlm(ProviderChain.create([new LocalResponderLlm(), model], { firstChunkTimeoutMs: 1_000 }))
        .prepare,
    ).toBeUndefined();
  });
});

describe('FailoverStt.local', () => {
  it('is whether the recognizer asked first runs on this machine', () => {
    const paid = new FakeStt({}, { label: 'paid' });
    paid.local = false;
    const local = new FakeStt({}, { label: 'local' });
    const chain = (providers: FakeStt[]) =>
      new FailoverStt(ProviderChain.create(providers, { firstChunkTimeoutMs: 1_000 }));
    expect(chain([paid, local]).local).toBe(false);
    expect(chain([local, paid]).local).toBe(true);
  });
});
