import { decodeGlobalID } from '@pothos/plugin-relay';
import { print } from 'graphql';
import { createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import type { BackgroundWork, StartBackground } from '../src/services/background';
import { collect, startTestApp, type TestApp } from '../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  SendTextMutation,
  SessionEventsSubscription,
  SessionQuery,
} from '../test-support/operations';

/** Long answers: 60 sentences, about 3 minutes of audio (12 MB of events) each, produced at once by the fakes. */
const LONG_ANSWER = JSON.stringify({
  text: Array.from({ length: 60 }, (_, i) => `This is sentence number ${i + 1} of a long answer.`).join(' '),
  emotion: 'neutral',
});

/** Summaries the lifecycle starts, recorded instead of run (the summary workflow has its own e2e test). */
function recordingBackground(started: string[]): StartBackground {
  const work: BackgroundWork = {
    startSessionSummary: async (sessionId) => {
      started.push(sessionId);
      return `session-summary-${sessionId}`;
    },
    startPrivacyExport: async () => ({ requestId: 'x', workflowId: 'x' }),
    startPrivacyDelete: async () => ({ requestId: 'x', workflowId: 'x' }),
    startMemoryMaintenance: async () => 'memory-maintenance',
    startAlignment: async (turnId) => `alignment-${turnId}`,
    result: async () => undefined as never,
    ping: async () => undefined,
  };
  return async () => ({ work, mode: 'embedded', stop: async () => undefined });
}

/** A WebSocket the test can reach to stop reading (`pause()`), like a phone in a tunnel. */
class StallableSocket extends WebSocket {
  static last: StallableSocket | null = null;
  constructor(address: string, protocols?: string | string[]) {
    super(address, protocols);
    StallableSocket.last = this;
  }
}

describe('dependable live sessions', () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let personaId: string;
  const summaries: string[] = [];
  const llm = new FakeLlm({ content: LONG_ANSWER });
  const SHORT_ANSWER = JSON.stringify({ text: 'Short and sweet. That is all.', emotion: 'happy' });

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        WORKFLOWS: 'embedded',
        MAX_SUBSCRIPTIONS_PER_SOCKET: '60',
        MAX_SUBSCRIPTIONS_PER_USER: '500',
        MAX_SOCKETS_PER_USER: '200',
        CONNECTIONS_PER_MINUTE_PER_IP: '10000',
        SESSION_DISCONNECT_GRACE_SECONDS: '1',
        // The keepalive would cut a stalled reader too (it cannot answer pings): here the queue bound must.
        WS_KEEPALIVE_SECONDS: '600',
      },
      overrides: {
        background: recordingBackground(summaries),
        providers: {
          stt: [new FakeStt({ transcript: 'hello' })],
          llm: [llm],
          tts: [new FakeTts({ script: { msPerChar: 60, chunkMs: 200 } })],
        },
      },
    });
    [admin, alice] = await Promise.all([t.token('admin'), t.token('alice')]);
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Talker', systemPrompt: 'x' } },
      admin,
    );
    personaId = persona.data!.createPersona.id;
  });
  afterAll(() => t?.stop());

  const newSession = async () =>
    (await t.gql(CreateSessionMutation, { input: { personaId } }, alice)).data!.createSession;

  const health = async () => {
    const started = performance.now();
    const body = (await (await fetch(`${t.url}/health`)).json()) as {
      status: string;
      escapedErrors: number;
      liveSessions: number;
      graphqlSockets: { openSockets: number; slowConsumersCut: number; queuedOutboundBytes: number };
    };
    return { ...body, latencyMs: performance.now() - started };
  };

  /**
   * A graphql-ws client on its own socket with `subscriptions` subscriptions to the session from `afterSeq`; the
   * first one's seqs and event types are recorded.
   */
  function follow(
    sessionId: string,
    token: string,
    opts: { afterSeq?: number; socket?: unknown; subscriptions?: number } = {},
  ) {
    const client = createClient({
      url: t.wsUrl,
      webSocketImpl: opts.socket ?? WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const seqs: number[] = [];
    const types: string[] = [];
    let closed: unknown = null;
    const unsubscribes = Array.from({ length: opts.subscriptions ?? 1 }, (_, i) =>
      client.subscribe(
        { query: print(SessionEventsSubscription), variables: { sessionId, afterSeq: opts.afterSeq ?? 0 } },
        {
          next: (result) => {
            const event = (result.data as { sessionEvents?: { seq: number; __typename: string } })
              ?.sessionEvents;
            if (event && i === 0) {
              seqs.push(event.seq);
              types.push(event.__typename);
            }
          },
          error: (err) => {
            closed = err;
          },
          complete: () => undefined,
        },
      ),
    );
    return {
      client,
      seqs,
      types,
      closed: () => closed,
      dispose: async () => {
        for (const unsubscribe of unsubscribes) unsubscribe();
        await client.dispose();
      },
    };
  }

  /** Sends text and waits until `watcher` has seen the answer's ResponseDone. */
  async function answer(sessionId: string, watcher: { types: string[] }) {
    const before = watcher.types.filter((type) => type === 'ResponseDone').length;
    await t.gql(SendTextMutation, { sessionId, text: 'Tell me everything.' }, alice);
    await expect
      // 12 MB of events through the embedded database: well over 30 s when the whole suite shares 2 cores.
      .poll(() => watcher.types.filter((type) => type === 'ResponseDone').length, { timeout: 90_000 })
      .toBe(before + 1);
  }

  it.each([1, 50])(
    'cuts off a stalled subscriber with %i subscriptions on its socket, and keeps serving everyone else',
    async (subscriptions) => {
      const created = await newSession();
      const sessionId = created.session.id;
      const healthy = follow(sessionId, created.sessionToken);
      StallableSocket.last = null;
      const stalled = follow(sessionId, created.sessionToken, { socket: StallableSocket, subscriptions });
      await expect.poll(() => StallableSocket.last?.readyState).toBe(WebSocket.OPEN);
      const socket = StallableSocket.last!;
      await expect.poll(async () => (await health()).graphqlSockets.openSockets).toBeGreaterThanOrEqual(2);
      await new Promise((resolve) => setTimeout(resolve, 300));
      const cutBefore = (await health()).graphqlSockets.slowConsumersCut;
      socket.pause();
      // Long answers until the stalled reader is cut off (the kernel buffers several MB before the server feels it).
      // Meanwhile the backlog is watched as the queue gauge (avatar_queued_bytes) sees it.
      let mostQueued = 0;
      const watching = setInterval(() => {
        health().then(
          ({ graphqlSockets }) => {
            mostQueued = Math.max(mostQueued, graphqlSockets.queuedOutboundBytes);
          },
          () => undefined,
        );
      }, 10);
      try {
        for (let rounds = 0; rounds < 12; rounds++) {
          if ((await health()).graphqlSockets.slowConsumersCut > cutBefore) break;
          await answer(sessionId, healthy);
        }
      } finally {
        clearInterval(watching);
      }
      const after = await health();
      expect(after.graphqlSockets.slowConsumersCut).toBeGreaterThan(cutBefore);
      expect(mostQueued).toBeGreaterThan(0);
      expect(after.status).toBe('up');
      expect(after.escapedErrors).toBe(0);
      expect(after.latencyMs).toBeLessThan(1_000);
      // The healthy subscriber got every event, in order, once.
      expect(healthy.seqs).toEqual(healthy.seqs.map((_, i) => healthy.seqs[0]! + i));
      // Reading again, the stalled client drains what was sent and finds the close code that says: resume.
      socket.resume();
      // Several MB to drain first: seconds when the whole suite shares 2 cores.
      await expect
        .poll(() => (stalled.closed() as { code?: number } | null)?.code, { timeout: 30_000 })
        .toBeDefined();
      expect([4008, 1006]).toContain((stalled.closed() as { code: number }).code);
      // Resuming from the last event it got, it misses nothing.
      const last = stalled.seqs.at(-1) ?? 0;
      const resumed = await collect(
        t.wsClient(created.sessionToken),
        SessionEventsSubscription,
        { sessionId, afterSeq: last },
        (r) => (r.data?.sessionEvents as { seq?: number } | undefined)?.seq === healthy.seqs.at(-1),
      );
      const resumedSeqs = resumed.map((r) => (r.data!.sessionEvents as { seq: number }).seq);
      expect(resumedSeqs).toEqual(resumedSeqs.map((_, i) => last + 1 + i));
      await healthy.dispose();
      await stalled.dispose();
    },
    300_000,
  );

  it('delivers every seq exactly once and in order to 100 clients resuming while an answer streams', async () => {
    llm.setTurns({ content: SHORT_ANSWER });
    const created = await newSession();
    const sessionId = created.session.id;
    const watcher = follow(sessionId, created.sessionToken);
    await answer(sessionId, watcher);
    const firstDone = watcher.seqs.at(-1)!;
    // The second answer streams while 100 clients reconnect from different points of the first one.
    const sent = t.gql(SendTextMutation, { sessionId, text: 'And again.' }, alice);
    const resumers = Array.from({ length: 100 }, (_, i) =>
      follow(sessionId, created.sessionToken, { afterSeq: Math.floor((firstDone * i) / 100) }),
    );
    await sent;
    await expect
      .poll(() => watcher.types.filter((type) => type === 'ResponseDone').length, { timeout: 30_000 })
      .toBe(2);
    const lastSeq = watcher.seqs.at(-1)!;
    await expect.poll(() => resumers.every((r) => r.seqs.at(-1) === lastSeq), { timeout: 30_000 }).toBe(true);
    resumers.forEach((resumer, i) => {
      const from = Math.floor((firstDone * i) / 100);
      expect(resumer.seqs).toEqual(Array.from({ length: lastSeq - from }, (_, k) => from + 1 + k));
    });
    await Promise.all([watcher, ...resumers].map((c) => c.dispose()));
  }, 120_000);

  it('ends a session whose client vanished mid-answer, after the grace period, and frees it', async () => {
    const created = await newSession();
    const sessionId = created.session.id;
    const watcher = follow(sessionId, created.sessionToken);
    const audio = new WebSocket(`${created.audioUrl}?token=${created.sessionToken}`);
    await new Promise((resolve) => audio.once('open', resolve));
    await t.gql(SendTextMutation, { sessionId, text: 'Talk to me.' }, alice);
    await expect.poll(() => watcher.types.includes('SpeechChunk')).toBe(true);
    // Killed: no close handshake, no unsubscribe.
    audio.terminate();
    watcher.client.terminate();
    await expect
      .poll(async () => (await t.gql(SessionQuery, { id: sessionId }, alice)).data?.session.status, {
        timeout: 10_000,
      })
      .toBe('ENDED');
    const ended = await t.gql(SessionQuery, { id: sessionId }, alice);
    expect(ended.data?.session.endReason).toBe('client disconnected');
    expect(summaries).toContain(decodeGlobalID(sessionId).id);
    expect((await health()).escapedErrors).toBe(0);
  }, 60_000);

  it('ends 100 abandoned sessions, summarizes them, and holds nothing for them afterwards', async () => {
    const heapBefore = await settledHeap();
    const sessions: string[] = [];
    for (let i = 0; i < 100; i++) {
      const created = await newSession();
      const watcher = follow(created.session.id, created.sessionToken);
      await answer(created.session.id, watcher);
      await watcher.dispose();
      sessions.push(decodeGlobalID(created.session.id).id);
    }
    await expect
      .poll(
        async () =>
          t.app.services.db.prisma.session.count({ where: { id: { in: sessions }, status: 'ENDED' } }),
        { timeout: 20_000 },
      )
      .toBe(100);
    expect(sessions.every((id) => summaries.includes(id))).toBe(true);
    await expect.poll(() => sessions.filter((id) => t.app.hub.has(id)).length).toBe(0);
    const heapAfter = await settledHeap();
    // Each of those sessions held a runtime, history and several MB of events on the way: none of it stays.
    expect(heapAfter - heapBefore).toBeLessThan(40 * 1024 * 1024);
  }, 180_000);
});

/** Heap in use after garbage collection settles. */
async function settledHeap(): Promise<number> {
  const { setFlagsFromString } = await import('node:v8');
  const { runInNewContext } = await import('node:vm');
  setFlagsFromString('--expose-gc');
  const gc = runInNewContext('gc') as () => void;
  for (let i = 0; i < 3; i++) {
    gc();
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return process.memoryUsage().heapUsed;
}
