import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { useRedisServer } from '../../test-support/redis-server';
import { seedConversation } from '../../test-support/seed';
import type { Database } from '../db/database';
import type { SessionEvent } from '../domain/session-events';
import { createLogger } from '../logger';
import { createMemoryEventBus, type EventBus } from './event-bus';
import { RedisEventSeqs } from './event-seqs';
import { SessionEventPublisher } from './session-events';

describe.each(DATABASE_KINDS)('session event publisher on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  const redis = useRedisServer();
  let db: Database;
  const bus = createMemoryEventBus();
  const logger = createLogger('silent');

  beforeAll(async () => {
    db = database.db;
  });

  const delta = (n: number) => ({ type: 'ResponseTextDelta' as const, responseId: 'r', delta: `${n}` });

  it('numbers events per session in emission order, logs them and replays them after a seq', async () => {
    const { sessionId } = await seedConversation(db);
    const publisher = new SessionEventPublisher(db, bus, logger);
    const received: SessionEvent[] = [];
    const live = (async () => {
      for await (const event of bus.subscribe('sessionEvents', sessionId)) {
        received.push(event);
        if (received.length === 5) return;
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    for (let n = 1; n <= 5; n++) publisher.emit(sessionId, delta(n));
    await live;
    expect(received.map((e) => [e.seq, (e as { delta: string }).delta])).toEqual([
      [1, '1'],
      [2, '2'],
      [3, '3'],
      [4, '4'],
      [5, '5'],
    ]);
    const replayed = await publisher.replay(sessionId, 2);
    expect(replayed.map((e) => e.seq)).toEqual([3, 4, 5]);
    // The log gives back the very events subscribers got.
    expect(replayed).toEqual(received.slice(2));
  });

  it('continues after what the log already holds (a restart, another node)', async () => {
    const { sessionId } = await seedConversation(db);
    const before = new SessionEventPublisher(db, bus, logger);
    await before.publish(sessionId, delta(1));
    await before.publish(sessionId, delta(2));
    await before.flush();
    const after = new SessionEventPublisher(db, bus, logger);
    const [a, b] = await Promise.all([
      after.publish(sessionId, delta(3)),
      after.publish(sessionId, delta(4)),
    ]);
    expect([a.seq, b.seq]).toEqual([3, 4]);
    await after.forget(sessionId);
    expect((await after.replay(sessionId, 0)).map((e) => e.seq)).toEqual([1, 2, 3, 4]);
  });

  it('gives two nodes on one Redis one sequence: no seq twice, none missing, in the log and on the bus', async () => {
    const { sessionId } = await seedConversation(db);
    const nodeA = new SessionEventPublisher(db, bus, logger, new RedisEventSeqs(redis.client));
    const nodeB = new SessionEventPublisher(db, bus, logger, new RedisEventSeqs(redis.client));
    const seen: number[] = [];
    const live = (async () => {
      for await (const event of bus.subscribe('sessionEvents', sessionId)) {
        seen.push(event.seq);
        if (seen.length === 50) return;
      }
    })();
    await new Promise((resolve) => setImmediate(resolve));
    // Turns through A, then B, then A (what once gave 31 duplicate seqs), then both at once.
    for (const node of [nodeA, nodeB, nodeA]) {
      for (let n = 0; n < 10; n++) node.emit(sessionId, delta(n));
      await node.flush(sessionId);
    }
    for (let n = 0; n < 10; n++) {
      nodeA.emit(sessionId, delta(n));
      nodeB.emit(sessionId, delta(n));
    }
    await live;
    await Promise.all([nodeA.flush(sessionId), nodeB.flush(sessionId)]);
    const all = Array.from({ length: 50 }, (_, i) => i + 1);
    expect([...seen].sort((a, b) => a - b)).toEqual(all);
    expect((await nodeA.replay(sessionId, 0)).map((e) => e.seq)).toEqual(all);
  });

  it('continues the sequence from the log when Redis lost its counters (a restart without persistence)', async () => {
    const { sessionId } = await seedConversation(db);
    const node = new SessionEventPublisher(db, bus, logger, new RedisEventSeqs(redis.client));
    await node.publish(sessionId, delta(1));
    await node.publish(sessionId, delta(2));
    await node.flush(sessionId);
    await redis.client.flushall();
    const other = new SessionEventPublisher(db, bus, logger, new RedisEventSeqs(redis.client));
    expect((await other.publish(sessionId, delta(3))).seq).toBe(3);
    expect((await node.publish(sessionId, delta(4))).seq).toBe(4);
  });

  it('never throws into the pipeline: a failing bus or log is logged', async () => {
    const errors: unknown[] = [];
    const failingLogger = Object.assign(createLogger('silent'), {
      error: (obj: unknown) => void errors.push(obj),
    });
    const broken: EventBus = { ...bus, publish: async () => Promise.reject(new Error('redis gone')) };
    const publisher = new SessionEventPublisher(db, broken, failingLogger);
    // An unknown session cannot be logged (foreign key) and the bus is down: both end up in the log.
    expect(() => publisher.emit('no-such-session', delta(1))).not.toThrow();
    await expect.poll(() => errors.length).toBe(2);
  });
});
