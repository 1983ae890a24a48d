import type { Redis } from 'ioredis';
import { redisUnavailable, StaleWriterError } from '../errors';

/**
 * Hands out each session's event seqs: the one source of truth for every node that emits a session's events,
 * so subscribers never see a seq twice and the log never refuses one.
 */
export interface EventSeqs {
  readonly kind: 'memory' | 'redis';
  /**
   * Reserves `count` consecutive seqs for the session and resolves with the first. `lastLogged` reads the highest
   * seq already in the event log; it is called only when the counter does not know the session yet. With a
   * `writer` (the session owner's fencing token) the seqs are refused (StaleWriterError) unless it still owns it.
   */
  reserve(
    sessionId: string,
    count: number,
    lastLogged: () => Promise<number>,
    writer?: string,
  ): Promise<number>;
  /** Drops what this node keeps for an ended session. */
  forget(sessionId: string): void;
}

/** One node's counters (the embedded default, which has one node). */
export class MemoryEventSeqs implements EventSeqs {
  readonly kind = 'memory';
  private readonly last = new Map<string, number>();

  async reserve(sessionId: string, count: number, lastLogged: () => Promise<number>): Promise<number> {
    const last = this.last.get(sessionId) ?? (await lastLogged());
    // Another reservation may have seeded the session while the log was read.
    const first = Math.max(last, this.last.get(sessionId) ?? 0) + 1;
    this.last.set(sessionId, first + count - 1);
    return first;
  }

  forget(sessionId: string): void {
    this.last.delete(sessionId);
  }
}

/**
 * Seeds the counter when it does not exist (first use, or Redis lost its data) and reserves ARGV[1] seqs at
 * once; -1 asks the caller for a seed. With a writer (ARGV[3]) it first checks the session's lease (KEYS[2])
 * still holds it: -2 when not. The key expires a day after its last use: sessions end long before.
 */
const RESERVE = `
if ARGV[3] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[3] then return -2 end
if redis.call('EXISTS', KEYS[1]) == 0 then
  if ARGV[2] == '' then return -1 end
  redis.call('SET', KEYS[1], ARGV[2])
end
local last = redis.call('INCRBY', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], 86400)
return last - tonumber(ARGV[1]) + 1`;

/** Counters in Redis, shared by every node (INCRBY is atomic). */
export class RedisEventSeqs implements EventSeqs {
  readonly kind = 'redis';
  /** The highest seq this node handed out per session: a floor for re-seeding after Redis lost its data. */
  private readonly handedOut = new Map<string, number>();

  constructor(
    private readonly redis: Redis,
    private readonly keyPrefix = 'avatar',
  ) {}

  async reserve(
    sessionId: string,
    count: number,
    lastLogged: () => Promise<number>,
    writer = '',
  ): Promise<number> {
    const keys = [`${this.keyPrefix}:seq:${sessionId}`, `${this.keyPrefix}:owner:${sessionId}`];
    const reserve = (seed: number | '') =>
      this.redis.eval(RESERVE, 2, ...keys, count, seed, writer).then(Number, (err: unknown) => {
        throw redisUnavailable(err);
      });
    let first = await reserve('');
    if (first === -1) first = await reserve(Math.max(await lastLogged(), this.handedOut.get(sessionId) ?? 0));
    if (first === -2) throw new StaleWriterError(sessionId);
    this.handedOut.set(sessionId, first + count - 1);
    return first;
  }

  forget(sessionId: string): void {
    this.handedOut.delete(sessionId);
  }
}
