import { describe, expect, it } from 'vitest';
import { useRedisServer } from '../../test-support/redis-server';
import { AppError } from '../errors';
import { SessionLimits, type SessionLimitsOptions } from './session-limits';

const redisServer = useRedisServer();

let counter = 0;
const variants: [string, (opts: SessionLimitsOptions) => SessionLimits][] = [
  ['memory', (opts) => new SessionLimits(opts)],
  [
    'redis',
    (opts) => new SessionLimits({ ...opts, redis: redisServer.client, keyPrefix: `test${++counter}` }),
  ],
];

describe.each(variants)('SessionLimits (%s)', (_name, create) => {
  it('refuses the turn after the per-minute limit with a retryable RATE_LIMITED', async () => {
    const limits = create({ turnsPerMinute: 2 });
    await limits.consumeTurn('s1');
    await limits.consumeTurn('s1');
    const err = await limits.consumeTurn('s1').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { limit: 'turns' } });
    expect((err as AppError).details?.retryAfterMs).toBeGreaterThan(0);
    // Another session has its own allowance.
    await expect(limits.consumeTurn('s2')).resolves.toBeUndefined();
  });

  it('lets the answer that crosses the token budget finish, then refuses the next turn for good', async () => {
    const limits = create({ tokenBudget: 100 });
    await limits.consumeTurn('s1');
    await limits.recordTokens('s1', 60);
    await limits.consumeTurn('s1');
    await limits.recordTokens('s1', 60);
    const err = await limits.consumeTurn('s1').catch((e: unknown) => e);
    expect(err).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: false,
      details: { used: 120, budget: 100 },
    });
    await expect(limits.assertTokenBudget('s2')).resolves.toBeUndefined();
  });
});
