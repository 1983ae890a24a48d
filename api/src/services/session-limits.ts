import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';

export interface SessionLimitsOptions {
  /** User turns a session may start per minute. */
  turnsPerMinute?: number;
  /** LLM tokens (prompt + completion) a session may spend in total. */
  tokenBudget?: number;
  /** Counters live in Redis when given, so every API instance enforces the same limits. */
  redis?: Redis;
  keyPrefix?: string;
}

/** Sessions end long before this; it only bounds how long a token counter is kept. */
const TOKEN_WINDOW_SECONDS = 24 * 60 * 60;

/**
 * Per-session guards on cost: a turn rate limit and a token budget. Exceeding either gives
 * `AppError('RATE_LIMITED')`; the rate limit is retryable (with `retryAfterMs`), the spent budget is not.
 */
export class SessionLimits {
  private readonly turns: RateLimiterMemory | RateLimiterRedis;
  private readonly tokens: RateLimiterMemory | RateLimiterRedis;
  readonly tokenBudget: number;

  constructor(opts: SessionLimitsOptions = {}) {
    const prefix = opts.keyPrefix ?? 'avatar:limits';
    this.tokenBudget = opts.tokenBudget ?? 100_000;
    const turnOptions = { keyPrefix: `${prefix}:turns`, points: opts.turnsPerMinute ?? 30, duration: 60 };
    const tokenOptions = {
      keyPrefix: `${prefix}:tokens`,
      points: this.tokenBudget,
      duration: TOKEN_WINDOW_SECONDS,
    };
    this.turns = opts.redis
      ? new RateLimiterRedis({ ...turnOptions, storeClient: opts.redis })
      : new RateLimiterMemory(turnOptions);
    this.tokens = opts.redis
      ? new RateLimiterRedis({ ...tokenOptions, storeClient: opts.redis })
      : new RateLimiterMemory(tokenOptions);
  }

  /** Call when a user turn starts; throws when the session started too many turns this minute. */
  async consumeTurn(sessionId: string): Promise<void> {
    await this.assertTokenBudget(sessionId);
    try {
      await this.turns.consume(sessionId);
    } catch (err) {
      if (!(err instanceof RateLimiterRes)) throw err;
      throw new AppError('RATE_LIMITED', 'Too many turns; slow down a little', {
        retryable: true,
        details: { retryAfterMs: err.msBeforeNext, limit: 'turns' },
      });
    }
  }

  /**
   * Records tokens a finished LLM call used. Never throws for the budget: the answer already happened;
   * the next `consumeTurn` refuses once the budget is spent.
   */
  async recordTokens(sessionId: string, tokens: number): Promise<void> {
    if (tokens > 0) await this.tokens.penalty(sessionId, Math.ceil(tokens));
  }

  /** The session ended: its counters are not needed any more. */
  async forget(sessionId: string): Promise<void> {
    await Promise.all([this.turns.delete(sessionId), this.tokens.delete(sessionId)]);
  }

  async assertTokenBudget(sessionId: string): Promise<void> {
    const used = (await this.tokens.get(sessionId))?.consumedPoints ?? 0;
    if (used >= this.tokenBudget) {
      throw new AppError('RATE_LIMITED', 'This session has used its token budget', {
        retryable: false,
        details: { limit: 'tokens', used, budget: this.tokenBudget },
      });
    }
  }
}
