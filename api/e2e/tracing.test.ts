import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { decodeJwt } from 'jose';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { runVoiceClient } from '../examples/voice-client';
import { sessionSpanContext } from '../src/observability/tracing';
import { type FakeOpenAI, startFakeOpenAI } from '../test-support/fake-openai-server';
import { collect, startTestApp, TEST_USERS, type TestApp } from '../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  SendTextMutation,
  SessionEventsSubscription,
} from '../test-support/operations';
import { startOtlpReceiver } from '../test-support/otlp-receiver';

const hex = (bytes: number) => randomBytes(bytes).toString('hex');
/** A client's own trace: its W3C traceparent, sampled. */
const clientTrace = () => {
  const traceId = hex(16);
  const spanId = hex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
};

const typeOf = (r: { data?: { sessionEvents: { __typename: string } } | null }) =>
  r.data?.sessionEvents.__typename;

/** `sendText` over HTTP with the request headers a traced client sends. */
async function sendText(t: TestApp, token: string, sessionId: string, text: string, traceparent?: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${token}`,
      ...(traceparent === undefined ? {} : { traceparent }),
    },
    body: JSON.stringify({ query: print(SendTextMutation), variables: { sessionId, text } }),
  });
  return (await res.json()) as { data?: { sendText: { accepted: boolean } }; errors?: unknown[] };
}

async function newSession(t: TestApp, admin: string): Promise<string> {
  const persona = await t.gql(
    CreatePersonaMutation,
    { input: { name: `Tracy ${hex(4)}`, systemPrompt: 'x' } },
    admin,
  );
  const created = await t.gql(
    CreateSessionMutation,
    { input: { personaId: persona.data!.createPersona.id } },
    admin,
  );
  return created.data!.createSession.session.id;
}

/** Says `text` and waits for the whole answer. */
async function answered(t: TestApp, admin: string, sessionId: string, text: string, traceparent?: string) {
  const done = collect(
    t.wsClient(admin),
    SessionEventsSubscription,
    { sessionId, afterSeq: 0 },
    (r) => typeOf(r) === 'ResponseDone',
    30_000,
  );
  expect((await sendText(t, admin, sessionId, text, traceparent)).data?.sendText.accepted).toBe(true);
  await done;
}

const startMs = (span: ReadableSpan) => span.startTime[0] * 1000 + span.startTime[1] / 1e6;

describe('OpenTelemetry traces of turns', () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  let admin: string;
  beforeAll(async () => {
    t = await startTestApp({ overrides: { spanExporter: exporter } });
    admin = await t.token('admin');
  });
  afterAll(() => t?.stop());

  /** The finished spans of one trace, once its turn span has ended. */
  async function turnTrace(traceId: string): Promise<ReadableSpan[]> {
    const ofTrace = () => exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
    await expect.poll(() => ofTrace().some((s) => s.name === 'avatar.turn'), { timeout: 10_000 }).toBe(true);
    return ofTrace();
  }

  it('follows a spoken turn from the audio socket through STT, LLM, TTS and publish in one trace', async () => {
    const client = clientTrace();
    const result = await runVoiceClient({
      url: t.url,
      ...TEST_USERS.admin,
      question: 'How are you?',
      traceparent: client.traceparent,
    });
    expect(result.timeline.at(-1)?.event.__typename).toBe('ResponseDone');
    const spans = await turnTrace(client.traceId);
    const turn = spans.find((s) => s.name === 'avatar.turn')!;
    // The turn continues the client's trace, under the span it named.
    expect(turn.parentSpanContext?.spanId).toBe(client.spanId);
    // The client knows the session by its global id, `Session:<uuid>` in base64.
    const sessionUuid = Buffer.from(result.sessionId, 'base64').toString().replace('Session:', '');
    expect(turn.attributes).toMatchObject({ 'session.id': sessionUuid, 'turn.input': 'audio' });
    const first = (name: string) => {
      const found = spans.filter((s) => s.name === name).sort((a, b) => startMs(a) - startMs(b))[0];
      expect(found, `a ${name} span`).toBeDefined();
      return found!;
    };
    const stages = [
      'end_of_turn',
      'stt',
      'memory_recall',
      'prompt_build',
      'llm',
      'moderation',
      'tts',
      'publish',
    ];
    const starts = stages.map((name) => startMs(first(name)));
    expect(starts).toEqual([...starts].sort((a, b) => a - b));
    for (const name of stages) expect(first(name).parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    // The end of turn is the silence the server waited for, before the turn was handed over.
    expect(first('end_of_turn').attributes['end_of_turn.reason']).toBe('silence');
    expect(Math.abs(startMs(turn) - startMs(first('end_of_turn')))).toBeLessThan(2);
    // Provider attempts sit under their stage, naming the provider.
    // The transcription ran at the pause (stt_ahead, before the turn existed) or at the end of the turn (a provider
    // attempt); either way it sits under the turn's stt span.
    const sttSpan = first('stt');
    const transcribed = spans.find((s) => s.name === 'stt_ahead' || s.name === 'provider.stt');
    expect(transcribed?.parentSpanContext?.spanId).toBe(sttSpan.spanContext().spanId);
    expect(first('provider.llm').attributes['provider.label']).toBe('local-responder');
    expect(first('provider.tts').parentSpanContext?.spanId).toBe(first('tts').spanContext().spanId);
    expect(first('render').parentSpanContext?.spanId).toBe(first('tts').spanContext().spanId);
    // The first audio reached the subscriber (the voice client's own subscription) in the same trace.
    const delivered = first('deliver');
    expect(delivered.parentSpanContext?.spanId).toBe(turn.spanContext().spanId);
    expect(startMs(delivered)).toBeGreaterThan(startMs(first('tts')) - 1);
    expect(first('llm').events.map((e) => e.name)).toContain('first_token');
    expect(first('tts').events.map((e) => e.name)).toContain('first_audio');
  });

  it('puts a typed turn under the GraphQL operation that sent it, continuing the HTTP traceparent', async () => {
    const sessionId = await newSession(t, admin);
    const client = clientTrace();
    await answered(t, admin, sessionId, 'Hello', client.traceparent);
    const spans = await turnTrace(client.traceId);
    const operation = spans.find((s) => s.name === 'graphql.mutation')!;
    expect(operation.parentSpanContext?.spanId).toBe(client.spanId);
    expect(operation.attributes['graphql.operation.name']).toBe('SendText');
    const turn = spans.find((s) => s.name === 'avatar.turn')!;
    expect(turn.parentSpanContext?.spanId).toBe(operation.spanContext().spanId);
  });

  it('continues the traceparent a graphql-ws client puts in its connection params', async () => {
    const sessionId = await newSession(t, admin);
    const client = clientTrace();
    const ws = createClient({
      url: t.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${admin}`, traceparent: client.traceparent },
      retryAttempts: 0,
    });
    try {
      await collect(ws, SessionEventsSubscription, { sessionId, afterSeq: 0 }, () => true, 2_000).catch(
        () => [],
      );
    } finally {
      await ws.dispose();
    }
    await expect
      .poll(() =>
        exporter
          .getFinishedSpans()
          .find((s) => s.name === 'graphql.subscription' && s.spanContext().traceId === client.traceId),
      )
      .toBeDefined();
    const operation = exporter
      .getFinishedSpans()
      .find((s) => s.name === 'graphql.subscription' && s.spanContext().traceId === client.traceId);
    expect(operation?.parentSpanContext?.spanId).toBe(client.spanId);
  });

  it('ignores a malformed traceparent: the request works and its turn starts a trace of its own', async () => {
    const sessionId = await newSession(t, admin);
    exporter.reset();
    await answered(t, admin, sessionId, 'Hello', 'not-a-traceparent');
    await expect
      .poll(() => exporter.getFinishedSpans().some((s) => s.name === 'avatar.turn'), { timeout: 10_000 })
      .toBe(true);
    const turn = exporter.getFinishedSpans().find((s) => s.name === 'avatar.turn')!;
    expect(turn.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    const operation = exporter.getFinishedSpans().find((s) => s.name === 'graphql.mutation')!;
    expect(operation.parentSpanContext).toBeUndefined();
  });
});

describe("a session's background work in its trace (Temporal's OpenTelemetry interceptors)", () => {
  const exporter = new InMemorySpanExporter();
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { WORKFLOWS: 'embedded' }, overrides: { spanExporter: exporter } });
  });
  afterAll(() => t?.stop());

  it("runs the summary workflow and its activities in the session's trace, which each turn links to", async () => {
    const admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: `Tracy ${hex(4)}`, systemPrompt: 'x' } },
      admin,
    );
    const created = (
      await t.gql(CreateSessionMutation, { input: { personaId: persona.data!.createPersona.id } }, admin)
    ).data!.createSession;
    const { id: sessionId, traceId: sessionTraceId } = created.session;
    await answered(t, admin, sessionId, 'I love sailing on the sea');
    await t.gql(EndSessionMutation, { id: sessionId }, admin);

    const inSessionTrace = () =>
      exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === sessionTraceId);
    await expect
      .poll(() => inSessionTrace().some((s) => s.name.startsWith('RunWorkflow:')), { timeout: 30_000 })
      .toBe(true);
    const spans = inSessionTrace();
    const named = (prefix: string) => spans.find((s) => s.name.startsWith(prefix));
    const start = named('StartWorkflow:sessionSummaryWorkflow');
    const run = named('RunWorkflow:sessionSummaryWorkflow');
    const scheduled = named('StartActivity:');
    const executed = named('RunActivity:');
    expect(start && run && scheduled && executed).toBeTruthy();
    // The session's own trace → client → workflow → activity, each under the one before.
    expect(start!.parentSpanContext?.spanId).toBe(sessionSpanContext(sessionTraceId).spanId);
    expect(run!.parentSpanContext?.spanId).toBe(start!.spanContext().spanId);
    expect(scheduled!.parentSpanContext?.spanId).toBe(run!.spanContext().spanId);
    expect(executed!.parentSpanContext?.spanId).toBe(scheduled!.spanContext().spanId);
    expect(run!.attributes['temporal.workflow.type']).toBe('sessionSummaryWorkflow');
    // The turn is a trace of its own, linked to the session's.
    const turn = exporter.getFinishedSpans().find((s) => s.name === 'avatar.turn');
    expect(turn?.links.map((l) => l.context.traceId)).toEqual([sessionTraceId]);
  });
});

describe('OTLP export', () => {
  it('sends the spans of a turn to the OTLP/HTTP endpoint when one is set', async () => {
    const receiver = await startOtlpReceiver();
    const t = await startTestApp({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url, OTEL_SERVICE_NAME: 'avatar-test' },
    });
    try {
      const admin = await t.token('admin');
      const client = clientTrace();
      await answered(t, admin, await newSession(t, admin), 'Hello', client.traceparent);
    } finally {
      // Stopping flushes what is queued.
      await t.stop();
      await receiver.close();
    }
    const names = receiver.spans.map((s) => s.name);
    expect(names).toEqual(expect.arrayContaining(['graphql.mutation', 'avatar.turn', 'llm', 'tts']));
    expect(new Set(receiver.spans.map((s) => s.service))).toEqual(new Set(['avatar-test']));
  });

  it('never slows a turn when the endpoint takes requests and never answers', async () => {
    const hanging = await startOtlpReceiver({ hang: true });
    const t = await startTestApp({ env: { OTEL_EXPORTER_OTLP_ENDPOINT: hanging.url } });
    let stopMs = 0;
    try {
      const admin = await t.token('admin');
      const sessionId = await newSession(t, admin);
      await answered(t, admin, sessionId, 'Hello');
      // The first turn's spans are on their way to the endpoint, which holds the request.
      await expect.poll(() => hanging.requests(), { timeout: 5_000 }).toBeGreaterThan(0);
      for (const text of ['How are you?', 'Goodbye']) {
        const started = performance.now();
        await answered(t, admin, sessionId, text);
        // The local pipeline answers in well under this; a turn waiting on the exporter would not.
        expect(performance.now() - started).toBeLessThan(5_000);
      }
    } finally {
      const stopping = performance.now();
      await t.stop();
      stopMs = performance.now() - stopping;
      await hanging.close();
    }
    // Shutdown gives the exporter a bounded time, not the collector's.
    expect(stopMs).toBeLessThan(8_000);
  });
});

describe('log lines of the pipeline', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  const lines: Record<string, unknown>[] = [];
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const logger = pino(
      { level: 'info' },
      new Writable({
        write(chunk: Buffer, _encoding, done) {
          lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
          done();
        },
      }),
    );
    t = await startTestApp({
      env: {
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_API_KEY: 'test',
        LLM_PROVIDERS: 'openai,local',
        LOG_ANONYMIZE: 'true',
      },
      overrides: { logger, spanExporter: new InMemorySpanExporter() },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('name the session, the hashed user, the answer and its trace; a failover and a turn error once each', async () => {
    const admin = await t.token('admin');
    const sessionId = await newSession(t, admin);
    // First turn: the OpenAI model is down, the local responder answers.
    fake.setScript({ chat: { error: { status: 500, message: 'upstream down' } } });
    await answered(t, admin, sessionId, 'Hello');
    // Second turn: the model's stream breaks after it started, which fails the turn.
    fake.setScript({ chat: { content: JSON.stringify({ text: 'One. Two. Three.' }), dropAfterChunks: 3 } });
    await answered(t, admin, sessionId, 'Again');

    const failovers = lines.filter((l) => l.msg === 'provider failed over');
    const failures = lines.filter((l) => l.msg === 'turn failed');
    expect(failovers).toHaveLength(1);
    expect(failures).toHaveLength(1);
    for (const line of [...failovers, ...failures]) {
      expect(line).toMatchObject({
        sessionId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        userId: expect.stringMatching(/^anon-[0-9a-f]{16}$/),
        responseId: expect.stringMatching(/^[0-9a-f-]{36}$/),
        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
        code: 'PROVIDER_ERROR',
      });
    }
    expect(failovers[0]?.responseId).not.toBe(failures[0]?.responseId);
    // No line names the user in the clear (an access token's subject is its user id).
    const userId = decodeJwt(admin).sub;
    expect(userId).toBeTruthy();
    expect(JSON.stringify(lines)).not.toContain(userId);
  });
});
