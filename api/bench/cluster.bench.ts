/**
 * Two API node processes on redis-server, PostgreSQL 16 and a Temporal dev server, as deployed.
 * 1. Two-node delivery: end of user speech (the audio socket's `control.end_turn` on node A, which owns the
 *    session) → first SpeechChunk at a subscriber on node B, against a subscriber on node A in the same turns.
 * 2. Failover: kill -9 of the owner mid-answer → the next typed input, sent through the other node, answered
 *    (its first SpeechChunk there); the killed node is restarted between rounds.
 * STT, LLM and TTS are the protocol-faithful fake OpenAI server in this process (zero think time), so the timings
 * are our path: sockets, VAD, runtime, speech rendering, Redis fan-out, the event log on PostgreSQL.
 */
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { type ApiNode, startApiNode, startSharedServers } from '../test-support/cluster';
import { startFakeOpenAI } from '../test-support/fake-openai-server';
import { postOperation, signIn } from '../test-support/harness';
import { CreatePersonaMutation, CreateSessionMutation, SendTextMutation } from '../test-support/operations';
import { synthesizeSpeech } from '../test-support/speech';
import { percentile, round, speakInRealTime } from './support';

const TURNS = 20;
const WARMUP_TURNS = 3;
const FAILOVER_ROUNDS = 3;

const EVENTS = `subscription ($id: ID!) { sessionEvents(sessionId: $id) { __typename } }`;

/** Calls `onEvent` with each event type a subscriber on `node` receives. */
function follow(node: ApiNode, sessionId: string, token: string, onEvent: (type: string) => void) {
  const client = createClient({
    url: node.wsUrl,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  client.subscribe(
    { query: EVENTS, variables: { id: sessionId } },
    {
      next: ({ data }) =>
        onEvent((data as { sessionEvents: { __typename: string } }).sessionEvents.__typename),
      error: () => undefined,
      complete: () => undefined,
    },
  );
  return client;
}

/** Hands each event type to every waiting listener. */
const toAll = (listeners: Set<(type: string) => void>) => (type: string) => {
  for (const listener of [...listeners]) listener(type);
};

/**
 * When the next event of type `wanted` arrives (performance.now()). Marked handled where it is made: it is awaited
 * later, and a timeout meanwhile must fail the bench through that await (which stops the servers), not crash it.
 */
function nextEvent(
  wanted: string,
  timeoutMs: number,
  listeners: Set<(type: string) => void>,
): Promise<number> {
  const arrival = new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      listeners.delete(listener);
      reject(new Error(`no ${wanted} within ${timeoutMs} ms`));
    }, timeoutMs);
    const listener = (type: string) => {
      if (type !== wanted) return;
      clearTimeout(timer);
      listeners.delete(listener);
      resolve(performance.now());
    };
    listeners.add(listener);
  });
  arrival.catch(() => undefined);
  return arrival;
}

async function openAudio(node: ApiNode, sessionToken: string) {
  const socket = new WebSocket(`${node.audioUrl}?token=${sessionToken}`);
  await new Promise<void>((resolve, reject) => {
    socket.on('message', (data, binary) => {
      if (!binary && JSON.parse(data.toString()).type === 'ready') resolve();
    });
    socket.once('error', reject);
  });
  socket.on('error', () => undefined);
  return socket;
}

export async function benchCluster(): Promise<Record<string, number | string>> {
  const fake = await startFakeOpenAI({
    transcription: { text: 'when does the museum open' },
    chat: { content: JSON.stringify({ text: 'We open at nine. See you then!', emotion: 'happy' }) },
  });
  const servers = await startSharedServers();
  const env = {
    OPENAI_BASE_URL: fake.baseURL,
    OPENAI_API_KEY: 'bench',
    STT_PROVIDERS: 'openai',
    LLM_PROVIDERS: 'openai',
    TTS_PROVIDERS: 'openai',
    LOG_LEVEL: 'error',
  };
  const a = await startApiNode('a', servers, env);
  const b = await startApiNode('b', servers, env);
  const clients: { dispose(): unknown }[] = [];
  try {
    const [admin, user] = await Promise.all([signIn(a.url, 'admin'), signIn(a.url, 'alice')]);
    const persona = await postOperation(
      a.url,
      CreatePersonaMutation,
      { input: { name: 'Bench', systemPrompt: 'x' } },
      admin,
    );
    const newSession = async () =>
      (
        await postOperation(
          a.url,
          CreateSessionMutation,
          { input: { personaId: persona.data!.createPersona.id } },
          user,
        )
      ).data!.createSession;

    // 1. Delivery to a subscriber on the owner's node and on the other node, over the same turns.
    const created = await newSession();
    const onA = new Set<(type: string) => void>();
    const onB = new Set<(type: string) => void>();
    clients.push(follow(a, created.session.id, created.sessionToken, toAll(onA)));
    clients.push(follow(b, created.session.id, created.sessionToken, toAll(onB)));
    const mic = await openAudio(a, created.sessionToken);
    clients.push({ dispose: () => mic.terminate() });
    await new Promise((resolve) => setTimeout(resolve, 500));
    const speech = (await synthesizeSpeech('When does the museum open?')).samples;
    const sameNode: number[] = [];
    const otherNode: number[] = [];
    for (let turn = 0; turn < WARMUP_TURNS + TURNS; turn++) {
      await speakInRealTime(mic, speech);
      const chunkA = nextEvent('SpeechChunk', 15_000, onA);
      const chunkB = nextEvent('SpeechChunk', 15_000, onB);
      const doneB = nextEvent('ResponseDone', 15_000, onB);
      const endedAt = performance.now();
      mic.send(JSON.stringify({ type: 'control.end_turn' }));
      const [atA, atB] = await Promise.all([chunkA, chunkB]);
      if (turn >= WARMUP_TURNS) {
        sameNode.push(atA - endedAt);
        otherNode.push(atB - endedAt);
      }
      await doneB;
      await new Promise((resolve) => setTimeout(resolve, 50));
      mic.send(JSON.stringify({ type: 'interrupt' }));
      // Under the per-session limit of 30 turns a minute.
      await new Promise((resolve) => setTimeout(resolve, 1_500));
    }

    // 2. Failover: the owner (A, holding the audio socket) is killed mid-answer; inputs go through B.
    const failovers: number[] = [];
    for (let round = 0; round < FAILOVER_ROUNDS; round++) {
      const session = await newSession();
      const events = new Set<(type: string) => void>();
      clients.push(follow(b, session.session.id, session.sessionToken, toAll(events)));
      const socket = await openAudio(a, session.sessionToken);
      clients.push({ dispose: () => socket.terminate() });
      const send = () =>
        postOperation(b.url, SendTextMutation, { sessionId: session.session.id, text: 'Hello there.' }, user);
      const firstAnswer = nextEvent('SpeechChunk', 15_000, events);
      await send();
      await firstAnswer;
      const killedAt = performance.now();
      await a.kill();
      const answered = nextEvent('SpeechChunk', 30_000, events);
      while (performance.now() - killedAt < 30_000 && (await send()).errors) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      failovers.push((await answered) - killedAt);
      await a.start();
    }

    const ratio = percentile(otherNode, 95) / percentile(sameNode, 95);
    return {
      'cluster.nodes': '2 processes; redis-server, PostgreSQL 16, Temporal dev server',
      'cluster.skipped': 'STT, LLM and TTS think time (fake OpenAI server, zero latency)',
      'cluster.turns': TURNS,
      'cluster.first_chunk_same_node_p50_p95_ms': `${round(percentile(sameNode, 50))} / ${round(percentile(sameNode, 95))}`,
      'cluster.first_chunk_other_node_p50_p95_ms': `${round(percentile(otherNode, 50))} / ${round(percentile(otherNode, 95))}`,
      'cluster.other_node_p95_ratio': round(ratio),
      'cluster.target_ratio': 1.3,
      'cluster.failover_kill_to_next_answer_ms': failovers.map((ms) => round(ms)).join(', '),
      'cluster.failover_target_ms': 5_000,
    };
  } finally {
    for (const client of clients) await client.dispose();
    await Promise.all([a.dispose(), b.dispose()]);
    await servers.stop();
    await fake.close();
  }
}
