import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../workflows/src/dev-server';
import { useRedisServer } from '../../test-support/redis-server';
import { StaleWriterError } from '../errors';
import { RedisEventSeqs } from './event-seqs';
import { RedisOwnership } from './session-ownership';

describe('session ownership in Redis', () => {
  const redis = useRedisServer();
  const node = (nodeId: string, opts: { leaseTtlMs?: number } = {}) =>
    new RedisOwnership(redis.client, { nodeId, nodeTtlMs: 600, ...opts });
  const noLog = async () => 0;

  it('gives a session to the first node that claims it, and tells the others who owns it', async () => {
    const a = node('a');
    const b = node('b');
    a.start(() => undefined);
    b.start(() => undefined);
    const first = await a.claim('s1');
    expect(first).toMatchObject({ node: 'a', mine: true });
    expect(await b.claim('s1')).toEqual({ node: 'a', fence: first.fence, mine: false });
    // Claiming again keeps the same fence: the owner did not change.
    expect((await a.claim('s1')).fence).toBe(first.fence);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('lets exactly one of two racing nodes win a lease', async () => {
    const nodes = Array.from({ length: 8 }, (_, i) => node(`racer-${i}`));
    for (const n of nodes) n.start(() => undefined);
    const claims = await Promise.all(nodes.map((n) => n.claim('raced')));
    expect(claims.filter((c) => c.mine)).toHaveLength(1);
    expect(new Set(claims.map((c) => c.node)).size).toBe(1);
    await Promise.all(nodes.map((n) => n.stop()));
  });

  it("takes over a dead node's session once its heartbeat stops, with a new fence", async () => {
    const a = node('dying');
    const b = node('survivor');
    a.start(() => undefined);
    b.start(() => undefined);
    const before = await a.claim('s2');
    // The process dies: no more heartbeats, nothing released.
    (a as unknown as { timer: NodeJS.Timeout }).timer.close();
    expect(await b.claim('s2')).toMatchObject({ node: 'dying', mine: false });
    // Its heartbeat lasts 600 ms.
    await new Promise((resolve) => setTimeout(resolve, 700));
    const after = await b.claim('s2');
    expect(after).toMatchObject({ node: 'survivor', mine: true, tookOverFrom: 'dying' });
    expect(after.fence).toBeGreaterThan(before.fence);
    await b.stop();
  });

  it('moves a live session on request, and the old owner hears it lost it at its next renewal', async () => {
    const lost: string[] = [];
    const a = node('old-home');
    const b = node('new-home');
    a.start((sessionId) => lost.push(sessionId));
    b.start(() => undefined);
    await a.claim('s3');
    expect(await b.claim('s3', { move: true })).toMatchObject({ mine: true, tookOverFrom: 'old-home' });
    await expect.poll(() => lost, { timeout: 2_000 }).toEqual(['s3']);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('refuses seqs to a stale owner (fencing): its late events cannot reach the log or subscribers', async () => {
    const a = node('stale');
    const b = node('fresh');
    const seqs = new RedisEventSeqs(redis.client);
    const old = await a.claim('s4');
    expect(await seqs.reserve('s4', 1, noLog, a.writerToken(old))).toBe(1);
    const current = await b.claim('s4', { move: true });
    await expect(seqs.reserve('s4', 1, noLog, a.writerToken(old))).rejects.toBeInstanceOf(StaleWriterError);
    expect(await seqs.reserve('s4', 1, noLog, b.writerToken(current))).toBe(2);
    await Promise.all([a.stop(), b.stop()]);
  });

  it('answers a typed, retryable UNAVAILABLE when Redis is unreachable, for claims and seqs alike', async () => {
    const gone = new Redis(await freePort(), '127.0.0.1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    gone.on('error', () => undefined);
    await expect(new RedisOwnership(gone, { nodeId: 'cut-off' }).claim('s5')).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      retryable: true,
    });
    await expect(new RedisEventSeqs(gone).reserve('s5', 1, noLog)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
    });
    gone.disconnect();
  });
});
