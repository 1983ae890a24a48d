import type { Redis } from 'ioredis';

/**
 * Counts the nodes of a deployment hold together: a user's open sockets, a session's connected clients.
 * `take` counts one more for this node unless the total already reached `limit`; `give` hands one back;
 * `elsewhere` is what the other live nodes hold.
 */
export interface SharedCounts {
  take(key: string, limit?: number): Promise<boolean>;
  /** Never rejects. */
  give(key: string): Promise<void>;
  elsewhere(key: string): Promise<number>;
}

/** The embedded default, one node: the counts are this process's. */
export class LocalCounts implements SharedCounts {
  private readonly counts = new Map<string, number>();

  async take(key: string, limit = Number.POSITIVE_INFINITY): Promise<boolean> {
    const held = this.held(key);
    if (held >= limit) return false;
    this.counts.set(key, held + 1);
    return true;
  }

  async give(key: string): Promise<void> {
    const held = this.held(key) - 1;
    if (held > 0) this.counts.set(key, held);
    else this.counts.delete(key);
  }

  async elsewhere(): Promise<number> {
    return 0;
  }

  held(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/**
 * Sums the shares of live nodes in a count's hash (KEYS: hash; ARGV: this node, node key prefix), dropping the
 * shares of nodes whose heartbeat expired. Returns {this node's share, the others'}.
 */
const SHARES = `
local mine, others = 0, 0
local fields = redis.call('HGETALL', KEYS[1])
for i = 1, #fields, 2 do
  local node, held = fields[i], tonumber(fields[i + 1])
  if node == ARGV[1] then
    mine = held
  elseif redis.call('EXISTS', ARGV[2] .. node) == 1 then
    others = others + held
  else
    redis.call('HDEL', KEYS[1], node)
  end
end`;

/** Takes one (ARGV 3: limit, -1 for none; 4: ttl ms): the new total, or -1 when the limit is reached. */
const TAKE = `${SHARES}
local limit = tonumber(ARGV[3])
if limit >= 0 and mine + others >= limit then return -1 end
redis.call('HINCRBY', KEYS[1], ARGV[1], 1)
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return mine + others + 1`;

const ELSEWHERE = `${SHARES}
return others`;

const GIVE = `
if redis.call('HINCRBY', KEYS[1], ARGV[1], -1) <= 0 then redis.call('HDEL', KEYS[1], ARGV[1]) end
return 0`;

/**
 * Counts in Redis: one hash per count, a field per node holding that node's share. A node that dies drops out
 * when its heartbeat (`<prefix>:node:<id>`, beaten by `RedisOwnership`) expires. While Redis is unreachable a
 * take is judged on this node's share alone, so clients can still connect; Redis restarted empty forgets the
 * shares held, which are then undercounted until those connections close.
 */
export class RedisCounts implements SharedCounts {
  /** This node's share of every count. */
  private readonly mine = new LocalCounts();
  /** Of those, the part Redis holds too (not taken while Redis was away). */
  private readonly inRedis = new LocalCounts();

  constructor(
    private readonly redis: Redis,
    private readonly opts: {
      nodeId: string;
      keyPrefix?: string;
      /** A count's hash expires this long after its last take (a leftover of nodes that all died). */
      ttlMs?: number;
      onError?: (err: unknown) => void;
    },
  ) {}

  async take(key: string, limit = Number.POSITIVE_INFINITY): Promise<boolean> {
    try {
      const total = await this.redis.eval(
        TAKE,
        1,
        this.hashKey(key),
        this.opts.nodeId,
        this.nodePrefix(),
        Number.isFinite(limit) ? limit : -1,
        this.opts.ttlMs ?? 24 * 3600_000,
      );
      if (Number(total) < 0) return false;
      await this.inRedis.take(key);
      await this.mine.take(key);
      return true;
    } catch (err) {
      this.opts.onError?.(err);
      return this.mine.take(key, limit);
    }
  }

  async give(key: string): Promise<void> {
    await this.mine.give(key);
    if (this.inRedis.held(key) === 0) return;
    await this.inRedis.give(key);
    await this.redis
      .eval(GIVE, 1, this.hashKey(key), this.opts.nodeId)
      .then(() => undefined, this.opts.onError ?? (() => undefined));
  }

  async elsewhere(key: string): Promise<number> {
    return Number(
      await this.redis.eval(ELSEWHERE, 1, this.hashKey(key), this.opts.nodeId, this.nodePrefix()),
    );
  }

  private hashKey(key: string) {
    return `${this.opts.keyPrefix ?? 'avatar'}:count:${key}`;
  }

  private nodePrefix() {
    return `${this.opts.keyPrefix ?? 'avatar'}:node:`;
  }
}
