import type { IncomingMessage } from 'node:http';
import type { Redis } from 'ioredis';
import proxyAddr from 'proxy-addr';
import { RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { AppError } from '../errors';

/**
 * Whether a browser page from `origin` may call us. Requests without an Origin header (native apps, servers)
 * are not browsers and pass; `*` allows every origin.
 */
export function originAllowed(origin: string | null | undefined, allowed: string[] | '*'): boolean {
  return !origin || allowed === '*' || allowed.includes(origin);
}

/**
 * The client's address: the connection's own, or behind trusted proxies (a load balancer in front of the nodes)
 * the nearest untrusted one in X-Forwarded-For. `trusted` comes from `trustProxies`.
 */
export function clientAddress(req: IncomingMessage, trusted: TrustedProxies): string {
  if (!req.socket.remoteAddress) return 'unknown';
  return proxyAddr(req, trusted);
}

export type TrustedProxies = ReturnType<typeof proxyAddr.compile>;

/** Compiles the TRUSTED_PROXIES list; an unknown address or CIDR fails start-up, naming it. */
export function trustProxies(list: string[]): TrustedProxies {
  return proxyAddr.compile(list);
}

/**
 * Checks every WebSocket upgrade before it is accepted: the page's Origin must be allowed, and one address may
 * open only so many connections a minute (counted in Redis when configured, so across nodes).
 */
export function createUpgradeGuard(opts: {
  corsOrigins: string[] | '*';
  connectionsPerMinutePerIp: number;
  trustedProxies: TrustedProxies;
  redis?: Redis;
}) {
  const limiterOptions = {
    keyPrefix: 'avatar:upgrades',
    points: opts.connectionsPerMinutePerIp,
    duration: 60,
  };
  const limiter = opts.redis
    ? new RateLimiterRedis({ ...limiterOptions, storeClient: opts.redis })
    : new RateLimiterMemory(limiterOptions);
  return {
    /** Throws FORBIDDEN for a foreign origin, RATE_LIMITED for too many connections from one address. */
    async check(req: IncomingMessage): Promise<void> {
      if (!originAllowed(req.headers.origin, opts.corsOrigins)) {
        throw new AppError('FORBIDDEN', `Origin ${req.headers.origin} is not allowed`);
      }
      try {
        await limiter.consume(clientAddress(req, opts.trustedProxies));
      } catch (err) {
        if (!(err instanceof RateLimiterRes)) throw err;
        throw new AppError('RATE_LIMITED', 'Too many connections from this address; wait a minute', {
          retryable: true,
          details: { retryAfterMs: err.msBeforeNext },
        });
      }
    },
  };
}
