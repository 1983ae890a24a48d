import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { redisUnavailable } from '../errors';

/** Who runs a session's conversation, and the fencing token of that ownership. */
export interface Owner {
  node: string;
  /** Grows with every change of owner: a write carrying an older one comes from a stale owner. */
  fence: number;
  /** This node. */
  mine: boolean;
  /** The node this claim took the session from (it was dead, or the session moved here). */
  tookOverFrom?: string;
}

/**
 * Exactly one node runs a session's conversation at a time. Without Redis there is one node and it owns
 * everything; with Redis ownership is a lease that the owner renews while its node is alive.
 */
export interface SessionOwnership {
  readonly nodeId: string;
  /**
   * The session's owner. Claims it for this node when nobody owns it or its owner's node is dead; with `move`
   * also from a live owner (the client's audio socket connected here, and the conversation follows it).
   */
  claim(sessionId: string, opts?: { move?: boolean }): Promise<Owner>;
  /** Gives the session up, if this node holds it. */
  release(sessionId: string): Promise<void>;
  /** The opaque token this node's writes for the session carry (checked where seqs are handed out). */
  writerToken(owner: Owner): string;
  /** Starts the heartbeat and lease renewal; `onLost` hears of sessions another node now owns. */
  start(onLost: (sessionId: string) => void): void;
  stop(): Promise<void>;
}

/** The embedded default: one node, which owns every session. */
export class SingleNodeOwnership implements SessionOwnership {
  readonly nodeId = 'single';
  async claim(): Promise<Owner> {
    return { node: this.nodeId, fence: 0, mine: true };
  }
  async release(): Promise<void> {}
  writerToken(): string {
    return '';
  }
  start(): void {}
  async stop(): Promise<void> {}
}

export interface RedisOwnershipOptions {
  /** How long a node counts as alive after its last heartbeat: the bound on failover detection. */
  nodeTtlMs?: number;
  /** How long a lease lasts without renewal (a node cut off from Redis loses its sessions after this). */
  leaseTtlMs?: number;
  keyPrefix?: string;
  nodeId?: string;
}

/**
 * Claims a session (KEYS: lease, fence counter; ARGV: node, lease ttl, 'move' or 'claim', node key prefix).
 * Returns {owner node, fence, node taken from or ''}.
 */
const CLAIM = `
local current = redis.call('GET', KEYS[1])
local previous = ''
if current then
  local node, fence = string.match(current, '^(.*)|(%d+)$')
  if node == ARGV[1] then
    redis.call('PEXPIRE', KEYS[1], ARGV[2])
    return {node, tonumber(fence), ''}
  end
  if ARGV[3] ~= 'move' and redis.call('EXISTS', ARGV[4] .. node) == 1 then
    return {node, tonumber(fence), ''}
  end
  previous = node
end
local fence = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], 86400)
redis.call('SET', KEYS[1], ARGV[1] .. '|' .. fence, 'PX', ARGV[2])
return {ARGV[1], fence, previous}`;

/** Renews a lease still held (KEYS: lease; ARGV: expected value, ttl): 1, or 0 when another node has it. */
const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0`;

const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

/** Session leases in Redis, renewed by each node for the sessions it runs, with a heartbeat per node. */
export class RedisOwnership implements SessionOwnership {
  readonly nodeId: string;
  private readonly nodeTtlMs: number;
  private readonly leaseTtlMs: number;
  private readonly prefix: string;
  /** Sessions this node holds, with the lease value it wrote. */
  private readonly held = new Map<string, string>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly redis: Redis,
    opts: RedisOwnershipOptions = {},
  ) {
    this.nodeId = opts.nodeId ?? randomUUID();
    this.nodeTtlMs = opts.nodeTtlMs ?? 3_000;
    this.leaseTtlMs = opts.leaseTtlMs ?? 15_000;
    this.prefix = opts.keyPrefix ?? 'avatar';
  }

  async claim(sessionId: string, opts: { move?: boolean } = {}): Promise<Owner> {
    const [node, fence, from] = (await this.redis
      .eval(
        CLAIM,
        2,
        this.leaseKey(sessionId),
        `${this.prefix}:fence:${sessionId}`,
        this.nodeId,
        this.leaseTtlMs,
        opts.move ? 'move' : 'claim',
        `${this.prefix}:node:`,
      )
      .catch((err: unknown) => {
        throw redisUnavailable(err);
      })) as [string, number, string];
    const owner: Owner = { node, fence: Number(fence), mine: node === this.nodeId };
    if (from) owner.tookOverFrom = from;
    if (owner.mine) this.held.set(sessionId, this.writerToken(owner));
    else this.held.delete(sessionId);
    return owner;
  }

  async release(sessionId: string): Promise<void> {
    const value = this.held.get(sessionId);
    this.held.delete(sessionId);
    if (value) await this.redis.eval(RELEASE, 1, this.leaseKey(sessionId), value);
  }

  writerToken(owner: Owner): string {
    return `${owner.node}|${owner.fence}`;
  }

  start(onLost: (sessionId: string) => void): void {
    const beat = async () => {
      await this.redis.set(this.nodeKey(this.nodeId), Date.now(), 'PX', this.nodeTtlMs);
      for (const [sessionId, value] of this.held) {
        const renewed = await this.redis.eval(RENEW, 1, this.leaseKey(sessionId), value, this.leaseTtlMs);
        if (Number(renewed) === 0 && this.held.get(sessionId) === value) {
          this.held.delete(sessionId);
          onLost(sessionId);
        }
      }
    };
    // A failed beat (Redis briefly away) is retried by the next; ioredis reports the connection error itself.
    const tick = () => void beat().catch(() => undefined);
    tick();
    this.timer = setInterval(tick, Math.floor(this.nodeTtlMs / 3));
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await Promise.all([...this.held.keys()].map((id) => this.release(id).catch(() => undefined)));
    await this.redis.del(this.nodeKey(this.nodeId)).catch(() => undefined);
  }

  private leaseKey(sessionId: string) {
    return `${this.prefix}:owner:${sessionId}`;
  }

  private nodeKey(node: string) {
    return `${this.prefix}:node:${node}`;
  }
}
