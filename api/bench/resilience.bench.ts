/**
 * 200 live sessions on one node, 20 of them also followed by a stalled subscriber (a phone in a tunnel: its
 * socket stays open and nothing is read), against the same run without the stalled ones. Every session answers
 * typed text through the real server (HTTP, runtime, speech renderer, event log, pub/sub, graphql-ws); STT, LLM
 * and TTS are zero-latency fakes. Delivery lag is an event's `at` (when the server emitted it) to its arrival at
 * a healthy subscriber. Phases alternate (baseline, stalled, baseline, stalled) so drift on a shared machine
 * hits both.
 */
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import type { LLMAdapter, LlmRequest } from '../src/adapters/llm/types';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import { catchEscapedErrors, escapedErrorCount } from '../src/escaped-errors';
import { createLogger } from '../src/logger';
import { CreatePersonaMutation, CreateSessionMutation, SendTextMutation } from '../test-support/operations';
import { percentile, round, startBenchApp } from './support';

const SESSIONS = Number(process.env.BENCH_SESSIONS) || 200;
const STALLED = SESSIONS / 10;
/** Each stalled socket holds the most subscriptions a socket may. */
const SUBSCRIPTIONS_PER_STALLED_SOCKET = 10;
const ROUNDS_PER_PHASE = 1;
/** Each user speaks once in this long (about 7 turns a second for the node), not all at once. */
const ROUND_SPREAD_MS = 30_000;
const PHASES = ['baseline', 'stalled', 'baseline', 'stalled'] as const;

/** What a client that plays the avatar asks for: the audio and visemes of every chunk. */
const EVENTS_QUERY =
  'subscription ($id: ID!) { sessionEvents(sessionId: $id) { __typename ... on SessionEventFields { seq at } ... on SpeechChunk { audio visemes { viseme startMs } } } }';

const answer = (sentences: number) =>
  JSON.stringify({
    text: Array.from({ length: sentences }, (_, i) => `This is sentence number ${i + 1} of the answer.`).join(
      ' ',
    ),
    emotion: 'neutral',
  });
/** The heavy sessions (the ones that get stalled subscribers) ask for long answers, about a minute of speech (2.5 MB of events) each. */
const LONG_QUESTION = 'Tell me everything.';

/** Short answers for most sessions, long ones for the heavy sessions: the user's message says which. */
function scriptedLlm(): LLMAdapter {
  const short = new FakeLlm({ content: answer(2) });
  const long = new FakeLlm({ content: answer(10) });
  return {
    label: 'fake-llm',
    capabilities: short.capabilities,
    stream: (req: LlmRequest) => (req.messages.at(-1)?.content === LONG_QUESTION ? long : short).stream(req),
  };
}

interface Follower {
  client: Client;
  lags: number[];
  seqs: number[];
  done: number;
}

/** A healthy subscriber: reads everything, records each event's lag and seq. */
function follow(graphqlUrl: string, sessionId: string, token: string): Follower {
  const client = createClient({
    url: graphqlUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const follower: Follower = { client, lags: [], seqs: [], done: 0 };
  client.subscribe(
    {
      query: EVENTS_QUERY,
      variables: { id: sessionId },
    },
    {
      next: ({ data }) => {
        const event = (data as { sessionEvents?: { __typename: string; seq: number; at: string } })
          ?.sessionEvents;
        if (!event) return;
        follower.lags.push(Date.now() - Date.parse(event.at));
        follower.seqs.push(event.seq);
        if (event.__typename === 'ResponseDone') follower.done++;
      },
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return follower;
}

/** A subscriber on a socket that never reads, with as many subscriptions as a socket may hold. */
function stall(graphqlUrl: string, sessionId: string, token: string): Client {
  const client = createClient({
    url: graphqlUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    // Stops reading once signed in; its subscriptions still go out (writing does not need reading).
    on: { connected: (socket) => (socket as WebSocket).pause() },
  });
  for (let i = 0; i < SUBSCRIPTIONS_PER_STALLED_SOCKET; i++) {
    client.subscribe(
      { query: EVENTS_QUERY, variables: { id: sessionId } },
      { next: () => undefined, error: () => undefined, complete: () => undefined },
    );
  }
  return client;
}

export async function benchResilience(): Promise<Record<string, number | string>> {
  catchEscapedErrors(createLogger('silent'));
  const escapedBefore = escapedErrorCount();
  const bench = await startBenchApp({
    env: {
      MAX_OPEN_SESSIONS_PER_USER: '1000',
      MAX_SOCKETS_PER_USER: '1000',
      MAX_SUBSCRIPTIONS_PER_USER: '5000',
      CONNECTIONS_PER_MINUTE_PER_IP: '100000',
      // A stalled reader cannot answer pings either; here its queue bound must cut it off.
      WS_KEEPALIVE_SECONDS: '600',
    },
    providers: {
      stt: [new FakeStt({ transcript: 'hello' })],
      llm: [scriptedLlm()],
      tts: [new FakeTts({ script: { msPerChar: 60, chunkMs: 200, latencyMs: 0, interChunkDelayMs: 0 } })],
    },
  });
  try {
    const { createPersona } = await bench.gql<{ createPersona: { id: string } }>(CreatePersonaMutation, {
      // No ARKit frames: 200 sessions' face model would saturate these 2 cores and measure the model, not delivery.
      input: { name: 'Bench', systemPrompt: 'x', capabilities: ['speech', 'visemes', 'gestures'] },
    });
    const sessions = [];
    for (let i = 0; i < SESSIONS; i++) {
      const { createSession } = await bench.gql<{
        createSession: { session: { id: string }; sessionToken: string; graphqlUrl: string };
      }>(CreateSessionMutation, { input: { personaId: createPersona.id } });
      const follower = follow(createSession.graphqlUrl, createSession.session.id, createSession.sessionToken);
      sessions.push({ ...createSession, heavy: i < STALLED, follower });
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    console.error(`resilience: ${SESSIONS} sessions followed at ${new Date().toISOString()}`);

    const heap: Record<'baseline' | 'stalled', number[]> = { baseline: [], stalled: [] };
    const lags: Record<'baseline' | 'stalled', number[]> = { baseline: [], stalled: [] };
    const healthLatency: Record<'baseline' | 'stalled', number[]> = { baseline: [], stalled: [] };
    const heapBefore = process.memoryUsage().heapUsed;

    for (const phase of PHASES) {
      const stalled =
        phase === 'stalled'
          ? sessions.filter((s) => s.heavy).map((s) => stall(s.graphqlUrl, s.session.id, s.sessionToken))
          : [];
      await new Promise((resolve) => setTimeout(resolve, 500));
      const sampler = setInterval(() => heap[phase].push(process.memoryUsage().heapUsed), 100);
      const probe = setInterval(() => {
        const started = performance.now();
        void fetch(`${bench.url}/health`).then(
          () => healthLatency[phase].push(performance.now() - started),
          () => undefined,
        );
      }, 500);
      for (let round = 0; round < ROUNDS_PER_PHASE; round++) {
        // Lags of the light sessions only: the heavy ones answer at length in both phases alike.
        const marks = sessions.map((s) => s.follower.lags.length);
        const doneBefore = sessions.map((s) => s.follower.done);
        await Promise.all(
          sessions.map(async (s, i) => {
            await new Promise((resolve) => setTimeout(resolve, (i / SESSIONS) * ROUND_SPREAD_MS));
            await bench.gql(SendTextMutation, {
              sessionId: s.session.id,
              text: s.heavy ? LONG_QUESTION : 'When do you open?',
            });
          }),
        );
        const deadline = Date.now() + 120_000;
        while (sessions.some((s, i) => s.follower.done <= doneBefore[i]!)) {
          if (Date.now() > deadline)
            throw new Error(`${phase}: not every answer reached its subscriber in 120 s`);
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        sessions.forEach((s, i) => {
          if (!s.heavy) lags[phase].push(...s.follower.lags.slice(marks[i]));
        });
      }
      clearInterval(sampler);
      clearInterval(probe);
      console.error(`resilience: ${phase} phase done at ${new Date().toISOString()}`);
      // Not dispose(): a socket that does not read never completes a close handshake.
      for (const client of stalled) client.terminate();
    }

    const lost = sessions.filter((s) =>
      s.follower.seqs.some((seq, i, all) => i > 0 && seq !== all[i - 1]! + 1),
    );
    const health = (await (await fetch(`${bench.url}/health`)).json()) as {
      graphqlSockets: { slowConsumersCut: number };
    };
    await Promise.all(sessions.map((s) => s.follower.client.dispose()));
    const mb = (bytes: number) => round(bytes / 1024 / 1024);
    const p95 = { baseline: percentile(lags.baseline, 95), stalled: percentile(lags.stalled, 95) };
    return {
      'resilience.sessions': SESSIONS,
      'resilience.stalled_subscribers': `${STALLED} sockets × ${SUBSCRIPTIONS_PER_STALLED_SOCKET} subscriptions`,
      'resilience.skipped': 'ARKit blendshape frames (face model off); STT, LLM, TTS are zero-latency fakes',
      'resilience.turns': `${SESSIONS * ROUNDS_PER_PHASE} a phase, over ${ROUND_SPREAD_MS / 1000} s; phases ${PHASES.join(', ')}`,
      'resilience.healthy_events_measured': `${lags.baseline.length} baseline, ${lags.stalled.length} stalled`,
      'resilience.delivery_lag_p50_ms': `${round(percentile(lags.baseline, 50))} baseline, ${round(percentile(lags.stalled, 50))} stalled`,
      'resilience.delivery_lag_p95_ms': `${round(p95.baseline)} baseline, ${round(p95.stalled)} stalled`,
      'resilience.delivery_lag_p95_ratio': round(p95.stalled / p95.baseline),
      'resilience.target_p95_ratio': 1.5,
      'resilience.health_p95_ms': `${round(percentile(healthLatency.baseline, 95))} baseline, ${round(percentile(healthLatency.stalled, 95))} stalled`,
      'resilience.heap_peak_mb': `${mb(Math.max(...heap.baseline))} baseline, ${mb(Math.max(...heap.stalled))} stalled (${mb(heapBefore)} before)`,
      'resilience.slow_consumers_cut': health.graphqlSockets.slowConsumersCut,
      'resilience.subscribers_that_lost_events': lost.length,
      'resilience.escaped_errors': escapedErrorCount() - escapedBefore,
    };
  } finally {
    await bench.stop();
  }
}
