import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../../test-support/seed';
import { type Database, openDatabase } from '../db/database';
import type { SessionEvent } from '../domain/session-events';
import { createLogger } from '../logger';
import { createMemoryEventBus, type EventBus } from './event-bus';
import { SessionEventPublisher } from './session-events';

describe('session event publisher', () => {
  let db: Database;
  const bus = createMemoryEventBus();
  const logger = createLogger('silent');

  beforeAll(async () => {
    db = await openDatabase({});
  });
  afterAll(() => db.close());

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
