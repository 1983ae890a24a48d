import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { parse } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { collect, startTestApp, type TestApp } from '../../../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  SessionEventsSubscription,
} from '../../../test-support/operations';
import { type RedisServer, startRedisServer } from '../../../test-support/redis-server';
import { type Database, openDatabase } from '../../db/database';
import { createTokenService } from '../../services/tokens';

async function newSession(t: TestApp, token: string, admin: string) {
  const persona = await t.gql(
    CreatePersonaMutation,
    { input: { name: `P-${Math.random()}`, systemPrompt: 'x' } },
    admin,
  );
  const created = await t.gql(
    CreateSessionMutation,
    { input: { personaId: persona.data!.createPersona.id } },
    token,
  );
  return created.data!.createSession;
}

const typename = (r: { data?: { sessionEvents: { __typename: string } } | null }) =>
  r.data?.sessionEvents.__typename;

describe('sessionEvents over graphql-ws (in-process pub/sub)', () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  beforeAll(async () => {
    t = await startTestApp();
    [admin, alice] = await Promise.all([t.token('admin'), t.token('alice')]);
  });
  afterAll(() => t?.stop());

  it('delivers typed union events in order to a session-token subscriber and completes on SessionEnded', async () => {
    const created = await newSession(t, alice, admin);
    const sessionId = created.session.id;
    const rawId = Buffer.from(sessionId, 'base64').toString().split(':')[1]!;
    const { events } = t.app.services;
    await events.emit(rawId, {
      type: 'TranscriptFinal',
      utteranceId: 'u1',
      text: 'hello there',
      confidence: 0.9,
      alternatives: [{ text: 'hello there', confidence: 0.9 }],
      words: [{ word: 'hello', startMs: 120, endMs: 400, confidence: 0.95 }],
    });
    await events.emit(rawId, { type: 'ResponseStarted', responseId: 'r1', utteranceId: 'u1' });
    await events.emit(rawId, {
      type: 'SpeechChunk',
      responseId: 'r1',
      chunkSeq: 0,
      audio: Buffer.from(new Int16Array([0, 1000, -1000]).buffer).toString('base64'),
      sampleRate: 22050,
      encoding: 'pcm16',
      startMs: 0,
      durationMs: 0.14,
      text: 'Hi',
      phonemes: [{ phoneme: 'h', startMs: 0, endMs: 0.1 }],
      visemes: [{ viseme: 'viseme_aa', startMs: 0, endMs: 0.14, weight: 0.8 }],
      gestures: [],
    });
    const results = collect(
      t.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId, afterSeq: 0 },
      (r) => typename(r) === 'SessionEnded',
    );
    // Ending happens after the subscription saw the replayed events; live events follow them in order.
    setTimeout(() => void t.gql(EndSessionMutation, { id: sessionId }, alice), 500);
    const received = await results;
    expect(received.map(typename)).toEqual([
      'TranscriptFinal',
      'ResponseStarted',
      'SpeechChunk',
      'SessionEnded',
    ]);
    const seqs = received.map((r) => (r.data?.sessionEvents as { seq?: number } | undefined)?.seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    const chunk = received[2]!.data!.sessionEvents;
    expect(chunk).toMatchObject({
      __typename: 'SpeechChunk',
      sessionId,
      chunkSeq: 0,
      visemes: [{ viseme: 'viseme_aa' }],
    });
  });

  it("refuses another user's session and an expired session token with typed errors", async () => {
    const created = await newSession(t, alice, admin);
    const bob = await t.token('bob');
    const [denied] = await collect(
      t.wsClient(bob),
      SessionEventsSubscription,
      { sessionId: created.session.id },
      () => true,
    );
    expect(denied?.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const stale = await createTokenService({
      secret: new TextEncoder().encode('test-secret-that-is-long-enough-0123456789'),
      issuer: 'avatar-platform',
      accessTtlSeconds: -10,
      sessionTtlSeconds: -10,
    }).issueSessionToken({ userId: 'u', username: 'alice', role: 'USER', sessionId: 'whatever' });
    await expect(
      collect(
        t.wsClient(stale.token),
        SessionEventsSubscription,
        { sessionId: created.session.id },
        () => true,
      ),
    ).rejects.toThrow(/Token expired/);
  });

  it('gives each of several subscribers sharing events the shape its own operation asked for', async () => {
    const created = await newSession(t, alice, admin);
    const sessionId = created.session.id;
    const rawId = Buffer.from(sessionId, 'base64').toString().split(':')[1]!;
    // One execution per event serves every subscriber with the same operation (the fan-out is multiplexed);
    // another selection, an alias or other variables must still get their own.
    const TextOnly = parse(`subscription ($sessionId: ID!) {
      sessionEvents(sessionId: $sessionId) { __typename ... on ResponseTextDelta { said: delta } }
    }`) as TypedDocumentNode<
      { sessionEvents: Record<string, unknown> },
      { sessionId: string; afterSeq?: number }
    >;
    const ended = (r: { data?: { sessionEvents: { __typename?: unknown } } | null }) =>
      r.data?.sessionEvents.__typename === 'SessionEnded';
    const subscribers = [
      collect(t.wsClient(alice), SessionEventsSubscription, { sessionId }, ended),
      collect(t.wsClient(alice), SessionEventsSubscription, { sessionId }, ended),
      collect(t.wsClient(alice), TextOnly, { sessionId }, ended),
      collect(t.wsClient(alice), SessionEventsSubscription, { sessionId, afterSeq: 0 }, ended),
    ];
    await new Promise((resolve) => setTimeout(resolve, 500));
    await t.app.services.events.emit(rawId, { type: 'ResponseTextDelta', responseId: 'r1', delta: 'Hello' });
    await t.gql(EndSessionMutation, { id: sessionId }, alice);
    const [full, same, textOnly, resumed] = await Promise.all(subscribers);
    expect(full!.map((r) => r.data?.sessionEvents)).toEqual([
      {
        __typename: 'ResponseTextDelta',
        seq: 1,
        sessionId,
        at: expect.any(String),
        responseId: 'r1',
        delta: 'Hello',
      },
      { __typename: 'SessionEnded', seq: 2, sessionId, at: expect.any(String), reason: 'ended by client' },
    ]);
    expect(same).toEqual(full);
    expect(resumed).toEqual(full);
    expect(textOnly!.map((r) => r.data?.sessionEvents)).toEqual([
      { __typename: 'ResponseTextDelta', said: 'Hello' },
      { __typename: 'SessionEnded' },
    ]);
  });

  it('closes only the socket that sent a malformed graphql-ws message', async () => {
    const created = await newSession(t, alice, admin);
    const bad = new WebSocket(t.wsUrl, 'graphql-transport-ws');
    const closed = new Promise<number>((resolve) => bad.on('close', (code) => resolve(code)));
    await new Promise((resolve) => bad.on('open', resolve));
    bad.send('{"this is": not json');
    expect(await closed).toBe(4400);
    const good = collect(
      t.wsClient(alice),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => typename(r) === 'SessionEnded',
    );
    setTimeout(() => void t.gql(EndSessionMutation, { id: created.session.id }, alice), 300);
    expect((await good).map(typename)).toEqual(['SessionEnded']);
  });
});

/** A stored event as a node's log holds it, with its seq. */
const delta = (sessionId: string, seq: number) => ({
  type: 'ResponseTextDelta' as const,
  responseId: 'r',
  delta: `${seq}`,
  sessionId,
  seq,
  at: new Date().toISOString(),
});

describe('sessionEvents across nodes through Redis', () => {
  let redis: RedisServer;
  let database: Database;
  let nodeA: TestApp;
  let nodeB: TestApp;
  beforeAll(async () => {
    redis = await startRedisServer();
    database = await openDatabase({});
    // Two API nodes sharing one database and one Redis, as two replicas behind a load balancer would.
    [nodeA, nodeB] = await Promise.all([
      startTestApp({ env: { REDIS_URL: redis.url }, overrides: { database } }),
      startTestApp({ env: { REDIS_URL: redis.url }, overrides: { database } }),
    ]);
  });
  afterAll(async () => {
    await nodeA?.stop();
    await nodeB?.stop();
    await database?.close();
    await redis?.stop();
  });

  it('reports redis pub/sub in /health', async () => {
    const health = (await (await fetch(`${nodeA.url}/health`)).json()) as { components: { name: string }[] };
    expect(health.components.map((c) => c.name)).toContain('pubsub (redis)');
  });

  it('fans an event emitted on node A out to a subscriber on node B', async () => {
    const admin = await nodeA.token('admin');
    const alice = await nodeA.token('alice');
    const created = await newSession(nodeA, alice, admin);
    const onB = collect(
      nodeB.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId: created.session.id },
      (r) => typename(r) === 'SessionEnded',
    );
    // The subscription is live-only here (no afterSeq), so wait until node B's Redis subscriber is attached.
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await nodeA.gql(EndSessionMutation, { id: created.session.id }, alice);
    const received = await onB;
    expect(received.map(typename)).toEqual(['SessionEnded']);
  });

  it('fills in an event another node emitted while this one read the log (it was in neither the log nor the bus)', async () => {
    const admin = await nodeA.token('admin');
    const alice = await nodeA.token('alice');
    const created = await newSession(nodeA, alice, admin);
    const rawId = Buffer.from(created.session.id, 'base64').toString().split(':')[1]!;
    const onB = collect(
      nodeB.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => (r.data?.sessionEvents as { seq?: number } | undefined)?.seq === 2,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    // Seq 1 went out before node B listened and reached the log after B read it; seq 2 arrives live.
    await nodeA.app.services.events.log.append([delta(rawId, 1)]);
    await nodeA.app.services.events.log.append([delta(rawId, 2)]);
    await nodeA.app.services.bus.publish('sessionEvents', rawId, delta(rawId, 2));
    const received = await onB;
    expect(received.map((r) => (r.data!.sessionEvents as { seq: number }).seq)).toEqual([1, 2]);
  });

  it('catches up from the log when Redis comes back: what was published while it was away arrives, with nothing after it', async () => {
    const admin = await nodeA.token('admin');
    const alice = await nodeA.token('alice');
    const created = await newSession(nodeA, alice, admin);
    const rawId = Buffer.from(created.session.id, 'base64').toString().split(':')[1]!;
    const seen: number[] = [];
    const onB = collect(
      nodeB.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => {
        seen.push((r.data!.sessionEvents as { seq: number }).seq);
        return seen.at(-1) === 3;
      },
      30_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 1000));
    await nodeA.app.services.events.log.append([delta(rawId, 1)]);
    await nodeA.app.services.bus.publish('sessionEvents', rawId, delta(rawId, 1));
    await expect.poll(() => seen, { timeout: 10_000 }).toEqual([1]);
    // Redis restarts; the owner goes on and logs seqs 2 and 3, whose publishing reached no one, and then is quiet.
    await redis.restart();
    await nodeA.app.services.events.log.append([delta(rawId, 2), delta(rawId, 3)]);
    const received = await onB;
    expect(received.map((r) => (r.data!.sessionEvents as { seq: number }).seq)).toEqual([1, 2, 3]);
  });
});
