import { print } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { freePort } from '../../workflows/src/dev-server';
import { type FakeOpenAI, startFakeOpenAI } from '../test-support/fake-openai-server';
import { collect, startTestApp, type TestApp } from '../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  InterruptMutation,
  SendTextMutation,
  SessionEventsSubscription,
} from '../test-support/operations';
import { scrapeMetrics, seriesValue } from '../test-support/prometheus';

const typeOf = (r: { data?: { sessionEvents: { __typename: string } } | null }) =>
  r.data?.sessionEvents.__typename;

/** Long enough that the local responder's echo takes seconds to say: there is time to talk over it. */
const LONG_TEXT =
  'Tell me a long story about the sea, the wind, the boats, the harbour at dawn, the fishermen and their nets, ' +
  'the gulls over the water and the lighthouse at night.';

describe('Prometheus metrics at /metrics', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    // The OpenAI-compatible LLM fails, so every answer fails over to the local responder.
    fake = await startFakeOpenAI({ chat: { error: { status: 500, message: 'upstream down' } } });
    t = await startTestApp({
      env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test', LLM_PROVIDERS: 'openai,local' },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('counts what a scripted session did (turns, a failover, a barge-in, refused input) with bounded labels', async () => {
    const admin = await t.token('admin');
    const before = await scrapeMetrics(`${t.url}/metrics`);
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Metrics', systemPrompt: 'x' } },
      admin,
    );
    const created = (
      await t.gql(CreateSessionMutation, { input: { personaId: persona.data!.createPersona.id } }, admin)
    ).data!.createSession;
    const sessionId = created.session.id;
    /** Events from the session's start until one of type `until`. */
    const until = (type: string) =>
      collect(
        t.wsClient(admin),
        SessionEventsSubscription,
        { sessionId, afterSeq: 0 },
        (r) => typeOf(r) === type,
        60_000,
      );
    const answered = until('ResponseDone');
    await t.gql(SendTextMutation, { sessionId, text: 'Hello there' }, admin);
    await answered;
    // Barge-in: the second answer is interrupted while it speaks.
    const speaking = until('SpeechChunk');
    await t.gql(SendTextMutation, { sessionId, text: LONG_TEXT }, admin);
    await speaking;
    const interrupted = until('Interrupted');
    expect((await t.gql(InterruptMutation, { sessionId }, admin)).data?.interrupt.interrupted).toBe(true);
    await interrupted;
    // Refused input: a persona without a name, an audio socket without a token.
    const refused = await t.gql(CreatePersonaMutation, { input: { name: '', systemPrompt: 'x' } }, admin);
    expect(refused.errors?.[0]?.extensions?.code).toBe('BAD_INPUT');
    expect(await upgradeStatus(`${t.url.replace(/^http/, 'ws')}/audio`)).toBe(401);

    // A subscriber that stays while the metrics are scraped: the socket and subscription gauges count it.
    const watcher = t.wsClient(admin);
    let stopWatching: () => void = () => undefined;
    await new Promise<void>((resolve, reject) => {
      stopWatching = watcher.subscribe(
        { query: print(SessionEventsSubscription), variables: { sessionId, afterSeq: 0 } },
        { next: () => resolve(), error: reject, complete: () => undefined },
      );
    });
    const after = await scrape();
    stopWatching();
    const moved = (name: string, labels?: Record<string, string>) =>
      seriesValue(after.get(name), labels) - seriesValue(before.get(name), labels);
    expect(moved('avatar_turns_total')).toBe(2);
    // The long text may also cut the first answer short, if it is still playing: a second interruption.
    expect(moved('avatar_interruptions_total')).toBeGreaterThanOrEqual(1);
    // Each failure of the OpenAI-compatible LLM moved the call on to the local responder.
    const failures = moved('avatar_provider_calls_total', { capability: 'llm', outcome: 'failures' });
    expect(failures).toBeGreaterThanOrEqual(1);
    expect(moved('avatar_provider_failovers_total')).toBe(failures);
    expect(moved('avatar_rejected_inputs_total', { reason: 'bad_input' })).toBe(1);
    expect(moved('avatar_rejected_inputs_total', { reason: 'audio_upgrade' })).toBe(1);
    expect(moved('avatar_turn_stage_seconds', { stage: 'first_audio' })).toBeGreaterThanOrEqual(1);
    expect(moved('avatar_turn_stage_seconds', { stage: 'total' })).toBeGreaterThanOrEqual(1);
    expect(moved('avatar_end_of_speech_to_first_audio_seconds')).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after.get('avatar_live_sessions'))).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after.get('avatar_open_sockets'), { kind: 'graphql' })).toBeGreaterThanOrEqual(1);
    expect(seriesValue(after.get('avatar_subscriptions'))).toBeGreaterThanOrEqual(1);
    expect(after.get('avatar_nodejs_eventloop_lag_seconds')?.type).toBe('GAUGE');
    // No label carries a session, persona or user id.
    const rawId = Buffer.from(sessionId, 'base64').toString().split(':')[1]!;
    const labelValues = [...after.values()].flatMap((f) =>
      f.metrics.flatMap((m) => Object.values(m.labels ?? {})),
    );
    expect(labelValues.filter((v) => v.includes(rawId) || /[0-9a-f]{8}-[0-9a-f]{4}-/.test(v))).toEqual([]);
  }, 90_000);

  const scrape = () => scrapeMetrics(`${t.url}/metrics`);
});

describe('/metrics protected by a token, on a port of its own', () => {
  let t: TestApp;
  let metricsPort: number;
  const token = 'a-metrics-token-of-some-length';
  beforeAll(async () => {
    metricsPort = await freePort();
    t = await startTestApp({ env: { METRICS_PORT: String(metricsPort), METRICS_TOKEN: token } });
  });
  afterAll(() => t?.stop());

  it('answers only on its own port, and only with the bearer token', async () => {
    const url = `http://127.0.0.1:${metricsPort}/metrics`;
    expect((await fetch(url)).status).toBe(401);
    expect(
      (await fetch(url, { headers: { authorization: 'Bearer wrong-token-of-the-same-size' } })).status,
    ).toBe(401);
    const families = await scrapeMetrics(url, { headers: { authorization: `Bearer ${token}` } });
    expect(families.has('avatar_turns_total')).toBe(true);
    expect((await fetch(`${t.url}/metrics`)).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${metricsPort}/health`)).status).toBe(404);
  });

  it('refuses a token too short to be a secret, at start-up', async () => {
    await expect(startTestApp({ env: { METRICS_TOKEN: 'short' } })).rejects.toThrow(/METRICS_TOKEN/);
  });
});

/** The HTTP status an audio socket upgrade is refused with. */
function upgradeStatus(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url);
    socket.on('unexpected-response', (_req, res) => {
      resolve(res.statusCode ?? 0);
      res.resume();
    });
    socket.on('open', () => reject(new Error('the upgrade was accepted')));
    socket.on('error', () => undefined);
  });
}
