import { readFile } from 'node:fs/promises';
import type { IncomingMessage } from 'node:http';
import path from 'node:path';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import { RateLimiterMemory, RateLimiterRedis } from 'rate-limiter-flexible';
import { exportDownloadPath, PrivacyRepository } from '../db/privacy-repository';
import { AppError } from '../errors';
import type { Logger } from '../logger';
import type { AppServices } from '../services';
import { signIn } from '../services/sign-in';
import { errorBody, httpStatus } from './http-errors';
import { clientAddress, originAllowed, type TrustedProxies } from './origin';

export interface HealthCheck {
  name: string;
  required: boolean;
  check: () => Promise<void>;
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });

function errorResponse(err: unknown) {
  return new Response(errorBody(err), {
    status: httpStatus(err)[0],
    headers: { 'content-type': 'application/json' },
  });
}

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.css': 'text/css',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.woff2': 'font/woff2',
};

/**
 * The non-GraphQL HTTP surface, as a yoga plugin so it shares yoga's CORS handling:
 * `GET /` (name, version), `GET /health`, `GET /metrics` (unless it has a port of its own), `POST /api/auth/token`, the
 * built console under `/console` and the client package's demo under `/demo`.
 */
export function useHttpRoutes(opts: {
  services: AppServices;
  logger: Logger;
  version: string;
  health: HealthCheck[];
  /** Counters reported with the health checks (sockets, provider calls and latencies). */
  details?: () => Record<string, unknown>;
  consoleDir?: string;
  demoDir?: string;
  /** Shares the sign-in limiter between nodes when given. */
  redis?: Redis;
  trustedProxies: TrustedProxies;
  /** GET /metrics, when served on this port. */
  metrics?: (authorization: string | null) => Promise<{ status: number; contentType: string; body: string }>;
}): Plugin {
  // Slows down password guessing: 10 sign-in attempts per minute per client address.
  const limiterOptions = { keyPrefix: 'avatar:sign-in', points: 10, duration: 60 };
  const signInLimiter = opts.redis
    ? new RateLimiterRedis({ ...limiterOptions, storeClient: opts.redis })
    : new RateLimiterMemory(limiterOptions);
  return {
    async onRequest({ request, url, endResponse, serverContext }) {
      const route = `${request.method} ${url.pathname}`;
      if (route === 'GET /') {
        endResponse(
          json({ name: 'avatar-platform', version: opts.version, status: 'ok', graphql: '/graphql' }),
        );
      } else if (route === 'GET /health') {
        endResponse(await health(opts.health, opts.details?.() ?? {}));
      } else if (route === 'GET /metrics' && opts.metrics) {
        const scraped = await opts.metrics(request.headers.get('authorization'));
        endResponse(
          new Response(scraped.body, {
            status: scraped.status,
            headers: { 'content-type': scraped.contentType },
          }),
        );
      } else if (route === 'POST /api/auth/token') {
        const req = (serverContext as { req?: IncomingMessage }).req;
        const address = req ? clientAddress(req, opts.trustedProxies) : 'unknown';
        try {
          if (!originAllowed(request.headers.get('origin'), opts.services.config.corsOrigins)) {
            throw new AppError('FORBIDDEN', `Origin ${request.headers.get('origin')} is not allowed`);
          }
          await signInLimiter.consume(address).catch(() => {
            throw new AppError('RATE_LIMITED', 'Too many sign-in attempts, wait a minute', {
              retryable: true,
            });
          });
          const body = await request.json().catch(() => {
            throw new AppError('BAD_INPUT', 'Body must be JSON');
          });
          const result = await signIn(body, opts.services);
          endResponse(
            json({
              accessToken: result.accessToken,
              tokenType: 'Bearer',
              expiresAt: result.expiresAt.toISOString(),
              user: result.user,
            }),
          );
        } catch (err) {
          if (!(err instanceof AppError)) opts.logger.error({ err }, 'sign-in failed');
          endResponse(errorResponse(err));
        }
      } else if (request.method === 'GET' && url.pathname.startsWith(exportDownloadPath(''))) {
        endResponse(await downloadExport(url, opts.services).catch(errorResponse));
      } else if (request.method === 'GET' && opts.consoleDir && url.pathname.startsWith('/console')) {
        endResponse(await serveStatic(opts.consoleDir, '/console', url.pathname, 'npm run build -w console'));
      } else if (request.method === 'GET' && opts.demoDir && /^\/demo(\/|$)/.test(url.pathname)) {
        endResponse(await serveStatic(opts.demoDir, '/demo', url.pathname, 'npm run build:demo -w client'));
      }
    },
  };
}

/** A privacy export as it was stored, part by part (memory stays bounded): the link's token decides. */
async function downloadExport(url: URL, services: AppServices): Promise<Response> {
  const requestId = url.pathname.slice(exportDownloadPath('').length);
  const grant = await services.tokens.verifyDownload(url.searchParams.get('token') ?? '');
  if (grant.requestId !== requestId) throw new AppError('FORBIDDEN', 'This link is for another export');
  const parts = new PrivacyRepository(services.db).readExport(requestId);
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const next = await parts.next();
      if (next.done) controller.close();
      else controller.enqueue(new TextEncoder().encode(next.value));
    },
    async cancel() {
      await parts.return(undefined);
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'application/x-ndjson',
      'content-disposition': `attachment; filename="export-${requestId}.ndjson"`,
    },
  });
}

async function health(checks: HealthCheck[], details: Record<string, unknown>) {
  const components = await Promise.all(
    checks.map(async (c) => {
      const started = performance.now();
      try {
        await Promise.race([
          c.check(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('timed out after 2 s')), 2000).unref(),
          ),
        ]);
        return {
          name: c.name,
          required: c.required,
          status: 'up',
          latencyMs: Math.round(performance.now() - started),
        };
      } catch (err) {
        return {
          name: c.name,
          required: c.required,
          status: 'down',
          error: String((err as Error).message ?? err),
        };
      }
    }),
  );
  const down = components.some((c) => c.required && c.status === 'down');
  return json({ status: down ? 'down' : 'up', components, ...details }, down ? 503 : 200);
}

/** A built single-page app under `prefix`; unknown paths get index.html so client-side routes work on reload. */
async function serveStatic(dir: string, prefix: string, pathname: string, buildCommand: string) {
  const relative = decodeURIComponent(pathname.slice(prefix.length).replace(/^\//, '')) || 'index.html';
  const file = path.resolve(dir, relative);
  if (!file.startsWith(path.resolve(dir))) return new Response('Not found', { status: 404 });
  for (const candidate of [file, path.join(dir, 'index.html')]) {
    try {
      const body = await readFile(candidate);
      const type = CONTENT_TYPES[path.extname(candidate)] ?? 'application/octet-stream';
      return new Response(body, { headers: { 'content-type': type } });
    } catch {
      // try the SPA fallback next
    }
  }
  return new Response(`Not built: run \`${buildCommand}\``, { status: 404 });
}
