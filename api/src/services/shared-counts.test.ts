import { Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { freePort } from '../../../workflows/src/dev-server';
import { useRedisServer } from '../../test-support/redis-server';
import { LocalCounts, RedisCounts } from './shared-counts';

describe('counts shared by the nodes in Redis', () => {
  const redis = useRedisServer();
  /** A node's counts, with its heartbeat as RedisOwnership beats it. */
  const node = async (nodeId: string) => {
    await redis.client.set(`avatar:node:${nodeId}`, Date.now(), 'PX', 60_000);
    return new RedisCounts(redis.client, { nodeId });
  };

  it('holds one limit across nodes, and frees a place when one is given back on any node', async () => {
    const [a, b] = [await node('a'), await node('b')];
    expect(await a.take('sockets:u1', 3)).toBe(true);
    expect(await a.take('sockets:u1', 3)).toBe(true);
    expect(await b.take('sockets:u1', 3)).toBe(true);
    expect(await b.take('sockets:u1', 3)).toBe(false);
    expect(await a.take('sockets:u1', 3)).toBe(false);
    expect(await a.elsewhere('sockets:u1')).toBe(1);
    expect(await b.elsewhere('sockets:u1')).toBe(2);
    await a.give('sockets:u1');
    expect(await b.take('sockets:u1', 3)).toBe(true);
    // Another key is counted apart.
    expect(await b.take('sockets:u2', 1)).toBe(true);
  });

  it("drops a dead node's share once its heartbeat expires", async () => {
    const [a, b] = [await node('alive'), await node('dead')];
    await b.take('clients:s1');
    await b.take('clients:s1');
    expect(await a.elsewhere('clients:s1')).toBe(2);
    expect(await a.take('clients:s1', 2)).toBe(false);
    await redis.client.del('avatar:node:dead');
    expect(await a.elsewhere('clients:s1')).toBe(0);
    expect(await a.take('clients:s1', 2)).toBe(true);
    expect(await redis.client.hkeys('avatar:count:clients:s1')).toEqual(['alive']);
  });

  it('gives back what was taken and nothing more: a count never goes below zero', async () => {
    const [a, b] = [await node('giver'), await node('watcher')];
    await a.take('sockets:u3', 5);
    await a.give('sockets:u3');
    await a.give('sockets:u3');
    expect(await b.elsewhere('sockets:u3')).toBe(0);
    expect(await redis.client.exists('avatar:count:sockets:u3')).toBe(0);
  });

  it('counts on this node alone while Redis is unreachable, and does not give those back to Redis', async () => {
    const gone = new Redis(await freePort(), '127.0.0.1', {
      maxRetriesPerRequest: 0,
      enableOfflineQueue: false,
    });
    gone.on('error', () => undefined);
    const errors: unknown[] = [];
    const cutOff = new RedisCounts(gone, { nodeId: 'cut-off', onError: (err) => errors.push(err) });
    expect(await cutOff.take('sockets:u4', 2)).toBe(true);
    expect(await cutOff.take('sockets:u4', 2)).toBe(true);
    expect(await cutOff.take('sockets:u4', 2)).toBe(false);
    await cutOff.give('sockets:u4');
    expect(await cutOff.take('sockets:u4', 2)).toBe(true);
    await expect(cutOff.elsewhere('sockets:u4')).rejects.toThrow();
    expect(errors.length).toBe(4);
    gone.disconnect();
  });
});

describe('counts of one node', () => {
  it('holds the limit and never goes below zero', async () => {
    const counts = new LocalCounts();
    expect(await counts.take('k', 1)).toBe(true);
    expect(await counts.take('k', 1)).toBe(false);
    await counts.give('k');
    await counts.give('k');
    expect(counts.held('k')).toBe(0);
    expect(await counts.elsewhere()).toBe(0);
  });
});
