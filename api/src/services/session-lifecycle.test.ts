import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database';
import { createLogger } from '../logger';
import type { BackgroundWork } from './background';
import { END_REASONS, type LifecycleOptions, SessionLifecycle } from './session-lifecycle';
import type { SessionService } from './sessions';
import { LocalCounts, type SharedCounts } from './shared-counts';

const MINUTE = 60_000;
const OPTIONS: LifecycleOptions = {
  idleTimeoutMs: 10 * MINUTE,
  maxDurationMs: 240 * MINUTE,
  disconnectGraceMs: MINUTE,
  summaryEveryTurns: 3,
};

describe('session lifecycle', () => {
  let db: Database;
  let userId: string;
  let personaId: string;

  beforeAll(async () => {
    db = await openDatabase({});
    userId = (await db.prisma.user.create({ data: { username: 'alice' } })).id;
    personaId = (await db.prisma.persona.create({ data: { name: 'Ada', systemPrompt: 'x' } })).id;
  });
  afterAll(() => db.close());

  /** A lifecycle on a clock the test moves, recording what it ends and summarizes. */
  function watch(options: Partial<LifecycleOptions> = {}, clients?: SharedCounts) {
    const clock = { t: Date.now() };
    const ended: [string, string][] = [];
    const summarized: string[] = [];
    const background = {
      startSessionSummary: async (sessionId: string) => {
        summarized.push(sessionId);
        return 'summary';
      },
    } as unknown as BackgroundWork;
    const sessions = { markActive: async () => undefined } as unknown as SessionService;
    const lifecycle = new SessionLifecycle(
      { db, sessions, background, logger: createLogger('silent'), clients, now: () => clock.t },
      { ...OPTIONS, ...options },
    );
    lifecycle.start(async (sessionId, reason) => {
      ended.push([sessionId, reason]);
      await db.prisma.session.update({ where: { id: sessionId }, data: { status: 'ENDED' } });
    });
    const endedOf = (sessionId: string) => ended.filter(([id]) => id === sessionId).map(([, why]) => why);
    return { lifecycle, clock, ended, endedOf, summarized, advance: (ms: number) => (clock.t += ms) };
  }

  const openSession = async (createdAt = new Date()) =>
    (
      await db.prisma.session.create({
        data: { userId, personaId, traceId: randomUUID(), status: 'ACTIVE', createdAt },
      })
    ).id;

  it('ends a session without input or connection once the idle timeout passes', async () => {
    const { lifecycle, advance, endedOf } = watch();
    const sessionId = await openSession();
    await lifecycle.markActive(sessionId);
    await lifecycle.check();
    advance(OPTIONS.idleTimeoutMs - 1_000);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    advance(2_000);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([END_REASONS.idle]);
    await lifecycle.stop();
  });

  it('ends an idle session left by a stopped process, found in the database', async () => {
    const { lifecycle, endedOf } = watch();
    const sessionId = await openSession(new Date(Date.now() - OPTIONS.idleTimeoutMs - MINUTE));
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([END_REASONS.idle]);
    await lifecycle.stop();
  });

  it('keeps a session a client holds open, however quiet, until its maximum duration', async () => {
    const { lifecycle, advance, endedOf } = watch();
    const sessionId = await openSession();
    lifecycle.connected(sessionId);
    advance(OPTIONS.idleTimeoutMs * 3);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    advance(OPTIONS.maxDurationMs);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([END_REASONS.maxDuration]);
    await lifecycle.stop();
  });

  it('ends a session its last client left, after the grace period, unless a client came back', async () => {
    const { lifecycle, advance, endedOf } = watch();
    const [left, returned] = [await openSession(), await openSession()];
    for (const id of [left, returned]) {
      lifecycle.connected(id);
      lifecycle.connected(id);
      lifecycle.disconnected(id);
    }
    advance(OPTIONS.disconnectGraceMs * 2);
    await lifecycle.check();
    // One of two connections is still open.
    expect(endedOf(left)).toEqual([]);
    lifecycle.disconnected(left);
    lifecycle.disconnected(returned);
    advance(OPTIONS.disconnectGraceMs / 2);
    lifecycle.connected(returned);
    await lifecycle.check();
    expect(endedOf(left)).toEqual([]);
    advance(OPTIONS.disconnectGraceMs / 2);
    await lifecycle.check();
    expect(endedOf(left)).toEqual([END_REASONS.disconnected]);
    expect(endedOf(returned)).toEqual([]);
    await lifecycle.stop();
  });

  it('keeps a session its clients here left while a client follows it on another node, or that cannot be known', async () => {
    // What other nodes hold, as the shared counts in Redis would say; `null`: Redis cannot be reached.
    let elsewhere: number | null = 1;
    const clients = new (class extends LocalCounts {
      override async elsewhere(): Promise<number> {
        if (elsewhere === null) throw new Error('redis is away');
        return elsewhere;
      }
    })();
    const { lifecycle, advance, endedOf } = watch({}, clients);
    const sessionId = await openSession();
    lifecycle.connected(sessionId);
    lifecycle.disconnected(sessionId);
    advance(OPTIONS.disconnectGraceMs * 2);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    elsewhere = null;
    advance(OPTIONS.disconnectGraceMs * 2);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    // The other node's client left too: a full grace period from when that was seen.
    elsewhere = 0;
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    advance(OPTIONS.disconnectGraceMs);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([END_REASONS.disconnected]);
    await lifecycle.stop();
  });

  it('does not end a session by grace when input arrived after its clients left', async () => {
    const { lifecycle, advance, endedOf } = watch();
    const sessionId = await openSession();
    lifecycle.connected(sessionId);
    lifecycle.disconnected(sessionId);
    advance(1_000);
    // e.g. sendText over HTTP, without any socket.
    lifecycle.userTurn(sessionId);
    advance(OPTIONS.disconnectGraceMs * 2);
    await lifecycle.check();
    expect(endedOf(sessionId)).toEqual([]);
    await lifecycle.stop();
  });

  it('records activity in the database, so other nodes do not take a busy session for idle', async () => {
    const { lifecycle, advance, clock, endedOf } = watch();
    const sessionId = await openSession(new Date(Date.now() - OPTIONS.idleTimeoutMs - MINUTE));
    advance(5_000);
    lifecycle.userTurn(sessionId);
    await lifecycle.check();
    const row = await db.prisma.session.findUniqueOrThrow({ where: { id: sessionId } });
    expect(row.lastActivityAt?.getTime()).toBe(clock.t);
    expect(endedOf(sessionId)).toEqual([]);
    await lifecycle.stop();
  });

  it('summarizes a long session every few user turns', async () => {
    const { lifecycle, summarized } = watch();
    const sessionId = await openSession();
    for (let i = 0; i < 7; i++) lifecycle.userTurn(sessionId);
    expect(summarized).toEqual([sessionId, sessionId]);
    await lifecycle.stop();
  });

  it('forgets a session once it ended, whoever ended it', async () => {
    const { lifecycle } = watch();
    const sessionId = await openSession();
    lifecycle.connected(sessionId);
    expect(lifecycle.size).toBe(1);
    lifecycle.forget(sessionId);
    expect(lifecycle.size).toBe(0);
    await lifecycle.stop();
  });
});
