import { decodeGlobalID } from '@pothos/plugin-relay';
import { createClient } from 'graphql-ws';
import { Redis } from 'ioredis';
import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { type ApiNode, type SharedServers, startApiNode, startSharedServers } from '../test-support/cluster';
import { type FakeAgentServer, startFakeRealtime } from '../test-support/fake-agent-servers';
import { postOperation, postWithFile, signIn } from '../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  InterruptMutation,
  SendImageMutation,
  SendTextMutation,
  SetPersonaMutation,
} from '../test-support/operations';

/** What the followers record of each event: no audio, only what the assertions need. */
const EVENTS = `subscription ($id: ID!) { sessionEvents(sessionId: $id, afterSeq: 0) {
  __typename ... on SessionEventFields { seq }
  ... on ResponseStarted { responseId } ... on SpeechChunk { responseId }
  ... on ResponseDone { responseId text } ... on Interrupted { responseId heardText }
} }`;

interface Seen {
  seq: number;
  __typename: string;
  responseId?: string;
  text?: string;
  heardText?: string;
}

/** Long enough that the local responder's echo takes several seconds to say. */
const LONG_TEXT =
  'My name is Ada and I love green tea. Please tell me a long story about the sea, the wind, the boats, ' +
  'the harbour at dawn, the fishermen and their nets, the gulls over the water and the lighthouse at night.';

describe('several API nodes on Redis, PostgreSQL and Temporal (separate processes)', () => {
  let servers: SharedServers;
  let a: ApiNode;
  let b: ApiNode;
  let redis: Redis;
  let db: pg.Client;
  let admin: string;
  let alice: string;
  let personaId: string;
  /** OpenAI Realtime (a protocol-faithful fake) for the agent-mode persona, reached from both nodes. */
  let agentServer: FakeAgentServer;
  const disposers: (() => Promise<void> | void)[] = [];

  beforeAll(async () => {
    servers = await startSharedServers();
    agentServer = await startFakeRealtime({ turns: [{ answer: 'Hello.' }] });
    // One at a time: both would migrate the same database (the advisory lock makes that safe, but slower).
    // A short grace, so that a session whose clients left ends within the test.
    const env = { SESSION_DISCONNECT_GRACE_SECONDS: '1', OPENAI_REALTIME_URL: agentServer.url };
    a = await startApiNode('a', servers, env);
    b = await startApiNode('b', servers, env);
    redis = new Redis(servers.redis.url);
    db = new pg.Client({ connectionString: servers.databaseUrl });
    await db.connect();
    [admin, alice] = await Promise.all([signIn(a.url, 'admin'), signIn(b.url, 'alice')]);
    const persona = await postOperation(
      a.url,
      CreatePersonaMutation,
      { input: { name: 'Ada', systemPrompt: 'You are Ada.' } },
      admin,
    );
    personaId = persona.data!.createPersona.id;
  }, 300_000);

  afterAll(async () => {
    for (const dispose of disposers) await dispose();
    redis?.disconnect();
    await db?.end();
    await Promise.all([a?.dispose(), b?.dispose()]);
    await servers?.stop();
    await agentServer?.close();
  }, 60_000);

  // A test that killed a node and failed before starting it again does not fail the tests after it.
  beforeEach(async () => {
    for (const node of [a, b]) if (!node.running) await node.start();
  }, 120_000);

  const newSession = async (node: ApiNode, persona = personaId) => {
    const res = await postOperation(
      node.url,
      CreateSessionMutation,
      { input: { personaId: persona } },
      alice,
    );
    const created = res.data!.createSession;
    return { ...created, rawId: decodeGlobalID(created.session.id).id };
  };

  /** A subscriber on `node` from the session's first event. */
  function follow(node: ApiNode, sessionId: string, token: string) {
    const client = createClient({
      url: node.wsUrl,
      webSocketImpl: WebSocket,
      connectionParams: { authorization: `Bearer ${token}` },
      retryAttempts: 0,
    });
    const seen: Seen[] = [];
    client.subscribe(
      { query: EVENTS, variables: { id: sessionId } },
      {
        next: ({ data }) => seen.push((data as { sessionEvents: Seen }).sessionEvents),
        error: () => undefined,
        complete: () => undefined,
      },
    );
    disposers.push(() => client.dispose());
    return Object.assign(seen, { stop: () => client.dispose() });
  }

  /** Opens a graphql-ws socket on `node`: 'acked', or the close code it was refused with. */
  async function connectSocket(node: ApiNode, token: string) {
    const socket = new WebSocket(node.wsUrl, 'graphql-transport-ws');
    socket.on('error', () => undefined);
    disposers.push(() => socket.terminate());
    const outcome = await new Promise<'acked' | number>((resolve) => {
      socket.on('open', () =>
        socket.send(
          JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } }),
        ),
      );
      socket.on('message', (data) => {
        if (String(data).includes('connection_ack')) resolve('acked');
      });
      socket.on('close', (code) => resolve(code));
    });
    return { socket, outcome };
  }

  /** A client's audio socket on `node`, open once the server says it is ready. */
  async function openAudio(node: ApiNode, sessionToken: string) {
    const socket = new WebSocket(`${node.audioUrl}?token=${sessionToken}`);
    const messages: { type: string; reason?: string }[] = [];
    socket.on('message', (data, binary) => {
      if (!binary) messages.push(JSON.parse(data.toString()));
    });
    socket.on('error', () => undefined);
    disposers.push(() => socket.terminate());
    await expect.poll(() => messages.some((m) => m.type === 'ready'), { timeout: 15_000 }).toBe(true);
    return { socket, messages };
  }

  /**
   * Sends text through `node` until it is accepted (within 30 s), as a client retrying would; resolves with the
   * error codes of the refused tries, and rejects if none was accepted.
   */
  async function sendUntilAccepted(node: ApiNode, sessionId: string, text: string): Promise<unknown[]> {
    const refusals: unknown[] = [];
    const started = performance.now();
    while (performance.now() - started < 30_000) {
      const res = await postOperation(node.url, SendTextMutation, { sessionId, text }, alice);
      if (!res.errors) return refusals;
      refusals.push(res.errors[0]?.extensions?.code);
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new Error(`not accepted in 30 s; refused with ${refusals.join(', ')}`);
  }

  const owner = async (sessionId: string) => (await redis.get(`avatar:owner:${sessionId}`))?.split('|')[0];
  /**
   * Waits until the session's log holds `count` ResponseDone events. Followers get events through Redis before
   * the owner's log write lands; a node killed in between leaves an answer the log cannot tell was finished.
   */
  const answersLogged = (rawId: string, count: number) =>
    expect
      .poll(
        async () =>
          (
            await db.query(`SELECT 1 FROM "SessionEvent" WHERE "sessionId" = $1 AND type = 'ResponseDone'`, [
              rawId,
            ])
          ).rowCount,
        { timeout: 10_000, interval: 50 },
      )
      .toBe(count);
  const doneCount = (seen: Seen[]) => seen.filter((e) => e.__typename === 'ResponseDone').length;
  const seqsOf = (seen: Seen[]) => seen.map((e) => e.seq);
  const contiguous = (seqs: number[]) => seqs.map((_, i) => i + 1);

  it('runs the session on the node holding its audio socket, driven through the other one', async () => {
    const created = await newSession(b);
    const mic = await openAudio(a, created.sessionToken);
    expect(await owner(created.rawId)).toBe(await a.nodeId());
    const onA = follow(a, created.session.id, created.sessionToken);
    const onB = follow(b, created.session.id, created.sessionToken);

    const sent = await postOperation(
      b.url,
      SendTextMutation,
      { sessionId: created.session.id, text: 'Hello there.' },
      alice,
    );
    expect(sent.errors).toBeUndefined();
    await expect.poll(() => [doneCount(onA), doneCount(onB)], { timeout: 60_000 }).toEqual([1, 1]);

    // Interrupt through B while A speaks.
    await postOperation(b.url, SendTextMutation, { sessionId: created.session.id, text: LONG_TEXT }, alice);
    await expect
      .poll(() => onB.filter((e) => e.__typename === 'SpeechChunk').length > 2, { timeout: 60_000 })
      .toBe(true);
    const interrupted = await postOperation(
      b.url,
      InterruptMutation,
      { sessionId: created.session.id },
      alice,
    );
    expect(interrupted.data?.interrupt.interrupted).toBe(true);
    await expect.poll(() => onA.some((e) => e.__typename === 'Interrupted'), { timeout: 20_000 }).toBe(true);

    const ended = await postOperation(b.url, EndSessionMutation, { id: created.session.id }, alice);
    expect(ended.errors).toBeUndefined();
    await expect.poll(() => onB.at(-1)?.__typename, { timeout: 20_000 }).toBe('SessionEnded');
    await expect
      .poll(() => mic.messages.some((m) => m.type === 'session.ended'), { timeout: 10_000 })
      .toBe(true);
    await expect.poll(() => onA.at(-1)?.__typename, { timeout: 20_000 }).toBe('SessionEnded');
    // Both subscribers got every event once, in order, with no gaps.
    expect(seqsOf(onA)).toEqual(contiguous(seqsOf(onA)));
    expect(seqsOf(onB)).toEqual(seqsOf(onA));
  }, 180_000);

  it('switches persona and takes an image through the node that does not own the session', async () => {
    const bea = await postOperation(
      a.url,
      CreatePersonaMutation,
      { input: { name: 'Bea', systemPrompt: 'You are Bea.' } },
      admin,
    );
    const created = await newSession(b);
    await openAudio(a, created.sessionToken);
    expect(await owner(created.rawId)).toBe(await a.nodeId());
    const onB = follow(b, created.session.id, created.sessionToken);
    // A 1×1 PNG, sent to B and carried to A (the owner) in the node command.
    const png = Buffer.from(
      'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
      'base64',
    );
    const image = await postWithFile(
      b.url,
      SendImageMutation,
      { sessionId: created.session.id },
      { variable: 'image', bytes: png, type: 'image/png' },
      alice,
    );
    expect(image.body.errors).toBeUndefined();
    const switched = await postOperation(
      b.url,
      SetPersonaMutation,
      { sessionId: created.session.id, personaId: bea.data!.createPersona.id },
      alice,
    );
    expect(switched.data?.setPersona.persona.name).toBe('Bea');
    await expect.poll(() => onB.map((e) => e.__typename), { timeout: 20_000 }).toContain('PersonaChanged');
    const stored = await db.query('SELECT "personaId" FROM "Session" WHERE id = $1', [created.rawId]);
    expect(stored.rows[0]?.personaId).toBe(decodeGlobalID(bea.data!.createPersona.id).id);
    await postOperation(b.url, SendTextMutation, { sessionId: created.session.id, text: 'Hello?' }, alice);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(1);
  }, 180_000);

  it('gives one owner to a session that commands reach on both nodes at once', async () => {
    const created = await newSession(a);
    const onA = follow(a, created.session.id, created.sessionToken);
    const results = await Promise.all(
      [a, b].map((node) =>
        postOperation(node.url, SendTextMutation, { sessionId: created.session.id, text: 'Hi.' }, alice),
      ),
    );
    expect(results.map((r) => r.errors)).toEqual([undefined, undefined]);
    await expect.poll(() => doneCount(onA), { timeout: 60_000 }).toBeGreaterThanOrEqual(1);
    expect([await a.nodeId(), await b.nodeId()]).toContain(await owner(created.rawId));
    await postOperation(a.url, EndSessionMutation, { id: created.session.id }, alice);
    await expect.poll(() => onA.at(-1)?.__typename, { timeout: 20_000 }).toBe('SessionEnded');
    expect(seqsOf(onA)).toEqual(contiguous(seqsOf(onA)));
  }, 120_000);

  it('survives its owner killed mid-answer: the other node takes over, answers, keeps only what was heard, summarizes', async () => {
    const created = await newSession(b);
    await openAudio(a, created.sessionToken);
    const onB = follow(b, created.session.id, created.sessionToken);
    // A fact no other test tells, so that the memory it becomes is this session's own (memories are deduplicated).
    const text = `I love kite surfing. ${LONG_TEXT}`;
    await postOperation(b.url, SendTextMutation, { sessionId: created.session.id, text }, alice);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(1);
    await answersLogged(created.rawId, 1);
    // Mid-answer for the listener: all of it was produced, and it is still playing.
    const killedAt = performance.now();
    await a.kill();

    // Usually accepted at once (nobody listens for the dead node any more); a refusal meanwhile is typed.
    const refusals = await sendUntilAccepted(b, created.session.id, 'Are you still there?');
    expect(refusals.every((code) => code === 'UNAVAILABLE')).toBe(true);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(2);
    const failoverMs = performance.now() - killedAt;
    console.info(`failover: kill -9 of the owner to the next answer done: ${Math.round(failoverMs)} ms`);
    expect(failoverMs).toBeLessThan(20_000);
    expect(await owner(created.rawId)).toBe(await b.nodeId());

    // The first answer was closed as interrupted at what had played, and the stored turn holds only that.
    const first = onB.find((e) => e.__typename === 'ResponseDone')!;
    const cut = onB.find((e) => e.__typename === 'Interrupted' && e.responseId === first.responseId);
    expect(cut).toBeDefined();
    expect(first.text!.startsWith(cut!.heardText!)).toBe(true);
    expect(cut!.heardText!.length).toBeLessThan(first.text!.length);
    const turns = await db.query<{ role: string; text: string; interrupted: boolean }>(
      'SELECT role, text, interrupted FROM "Turn" WHERE "sessionId" = $1 ORDER BY "createdAt"',
      [created.rawId],
    );
    const assistant = turns.rows.filter((t) => t.role === 'ASSISTANT');
    expect(assistant[0]).toEqual({ role: 'ASSISTANT', text: cut!.heardText, interrupted: true });
    expect(seqsOf(onB)).toEqual(contiguous(seqsOf(onB)));

    // The summary still runs when the session ends (on the surviving node's worker).
    const endedAt = performance.now();
    await postOperation(b.url, EndSessionMutation, { id: created.session.id }, alice);
    await expect
      .poll(
        async () =>
          (
            await db.query('SELECT text FROM "Memory" WHERE "sourceSessionId" = $1', [created.rawId])
          ).rows.map((r: { text: string }) => r.text),
        { timeout: 60_000, interval: 500 },
      )
      .toContainEqual(expect.stringMatching(/kite surfing/));
    console.info(
      `summary: session end to its memories stored: ${Math.round(performance.now() - endedAt)} ms`,
    );
    await a.start();
  }, 240_000);

  it('survives its owner killed mid-answer in agent mode: the new owner opens the agent with what was heard', async () => {
    const agentPersona = await postOperation(
      a.url,
      CreatePersonaMutation,
      { input: { name: 'Echo', systemPrompt: 'You are Echo.', conversationMode: 'agent' } },
      admin,
    );
    const created = await newSession(b, agentPersona.data!.createPersona.id);
    await openAudio(a, created.sessionToken);
    const onB = follow(b, created.session.id, created.sessionToken);
    const firstConnection = agentServer.connections + 1;
    // Several seconds of speech, sent at once: the answer is done and still playing when its node dies.
    agentServer.setTurns([
      {
        answer:
          'The sea was calm that morning. The boats went out before dawn, one after another. ' +
          'By noon the harbour was empty and quiet, and the gulls had gone with them.',
      },
      { answer: 'I am still here.' },
    ]);
    await postOperation(b.url, SendTextMutation, { sessionId: created.session.id, text: 'Tell me.' }, alice);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(1);
    await answersLogged(created.rawId, 1);
    expect(agentServer.received.some((r) => r.connection === firstConnection)).toBe(true);
    await a.kill();

    const refusals = await sendUntilAccepted(b, created.session.id, 'Are you still there?');
    expect(refusals.every((code) => code === 'UNAVAILABLE')).toBe(true);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(2);
    expect(onB.filter((e) => e.__typename === 'ResponseDone').at(-1)?.text).toBe('I am still here.');
    expect(await owner(created.rawId)).toBe(await b.nodeId());

    // The new owner's agent connection went on from the conversation: the first answer as far as it was heard.
    const first = onB.find((e) => e.__typename === 'ResponseDone')!;
    const cut = onB.find((e) => e.__typename === 'Interrupted' && e.responseId === first.responseId);
    expect(cut?.heardText?.length).toBeLessThan(first.text!.length);
    const reopened = agentServer.received.filter(
      (r) => r.connection > firstConnection && r.message.type === 'conversation.item.create',
    );
    const items = reopened.map((r) => r.message.item as { role: string; content: { text: string }[] });
    expect(items.map((i) => [i.role, i.content[0]!.text])).toEqual([
      ['user', 'Tell me.'],
      ...(cut!.heardText ? [['assistant', cut!.heardText]] : []),
      ['user', 'Are you still there?'],
    ]);
    expect(seqsOf(onB)).toEqual(contiguous(seqsOf(onB)));
    await a.start();
  }, 240_000);

  it('goes on after Redis restarts empty mid-session: answers again, seqs continue without a repeat', async () => {
    const created = await newSession(a);
    await openAudio(a, created.sessionToken);
    const onB = follow(b, created.session.id, created.sessionToken);
    await postOperation(b.url, SendTextMutation, { sessionId: created.session.id, text: 'Hello.' }, alice);
    await expect.poll(() => doneCount(onB), { timeout: 60_000 }).toBe(1);
    // Leases, seq counters, history and heartbeats are gone; every client reconnects on its own.
    await servers.redis.restart();
    const refusals = await sendUntilAccepted(b, created.session.id, 'Still there?');
    // While the nodes reconnect the answer is a typed, retryable error, never an internal one.
    expect(refusals.every((code) => code === 'UNAVAILABLE')).toBe(true);
    // The subscriber that was following on B hears the answer too (its node re-subscribed to Redis by itself);
    // a fresh one on A replays the whole session from the log.
    await expect.poll(() => doneCount(onB), { timeout: 30_000 }).toBe(2);
    const fresh = follow(a, created.session.id, created.sessionToken);
    await expect.poll(() => doneCount(fresh), { timeout: 60_000 }).toBe(2);
    expect(seqsOf(fresh)).toEqual(contiguous(seqsOf(fresh)));
  }, 120_000);

  it('keeps a session while a client follows it on the other node, and ends it once no node has one', async () => {
    const created = await newSession(a);
    const mic = await openAudio(a, created.sessionToken);
    const onB = follow(b, created.session.id, created.sessionToken);
    const clients = `avatar:count:clients:${created.rawId}`;
    const nodeB = await b.nodeId();
    await expect
      .poll(async () => (await redis.hkeys(clients)).includes(nodeB), { timeout: 10_000 })
      .toBe(true);
    const status = async () =>
      (await db.query<{ status: string }>('SELECT status FROM "Session" WHERE id = $1', [created.rawId]))
        .rows[0]?.status;
    // Node A's last client left; its grace period passes several times over while B's subscriber stays.
    mic.socket.close();
    await new Promise((resolve) => setTimeout(resolve, 4_000));
    expect(await status()).not.toBe('ENDED');
    expect(onB.some((e) => e.__typename === 'SessionEnded')).toBe(false);
    await onB.stop();
    await expect.poll(status, { timeout: 15_000 }).toBe('ENDED');
  }, 60_000);

  it("holds a user's sockets on both nodes to one limit (MAX_SOCKETS_PER_USER, 20)", async () => {
    const bob = await signIn(a.url, 'bob');
    const opened = [];
    for (let i = 0; i < 20; i++) opened.push(await connectSocket(i % 2 ? b : a, bob));
    expect(opened.map((o) => o.outcome)).toEqual(Array(20).fill('acked'));
    expect((await connectSocket(a, bob)).outcome).toBe(4029);
    expect((await connectSocket(b, bob)).outcome).toBe(4029);
    // A socket closed on node A frees a place on node B.
    opened[0]!.socket.close();
    await expect.poll(async () => (await connectSocket(b, bob)).outcome, { timeout: 10_000 }).toBe('acked');
    for (const { socket } of opened) socket.close();
  }, 60_000);

  it('resumes sessions from the log after both nodes restart', async () => {
    const created = await newSession(a);
    await postOperation(a.url, SendTextMutation, { sessionId: created.session.id, text: 'Hello.' }, alice);
    const before = follow(a, created.session.id, created.sessionToken);
    await expect.poll(() => doneCount(before), { timeout: 60_000 }).toBe(1);
    await Promise.all([a.stop(), b.stop()]);
    await a.start();
    await b.start();
    const after = follow(b, created.session.id, created.sessionToken);
    await expect.poll(() => after.length, { timeout: 20_000 }).toBe(before.length);
    const res = await postOperation(
      b.url,
      SendTextMutation,
      { sessionId: created.session.id, text: 'Again.' },
      alice,
    );
    expect(res.errors).toBeUndefined();
    await expect.poll(() => doneCount(after), { timeout: 60_000 }).toBe(2);
    expect(seqsOf(after)).toEqual(contiguous(seqsOf(after)));
  }, 300_000);
});
