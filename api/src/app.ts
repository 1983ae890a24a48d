import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import path from 'node:path';
import { createTokenService, resolveJwtSecret } from './auth/tokens';
import type { Config } from './config';
import { type Database, openDatabase } from './db/database';
import { createMemoryEventBus, createRedisEventBus, type EventBus } from './graphql/pubsub';
import { createGraphQLServer } from './graphql/yoga';
import { createLogger, type Logger } from './logger';
import type { AppServices, Conversations } from './services';
import { SessionEventPublisher } from './services/session-events';
import { SessionService } from './services/sessions';
import { createGraphQLWebSocketServer } from './transport/graphql-ws';
import { type HealthCheck, useHttpRoutes } from './transport/http-routes';

export const VERSION = '0.1.0';

export interface App {
  readonly services: AppServices;
  readonly logger: Logger;
  /** Listens on config.host:config.port (0 = any free port) and resolves with the base URL. */
  start(): Promise<{ url: string; port: number }>;
  /** Graceful shutdown: stop accepting, drain subscriptions and sockets, flush the event log, close stores. */
  stop(): Promise<void>;
}

export interface AppOverrides {
  logger?: Logger;
  database?: Database;
  bus?: EventBus;
  conversations?: (services: Omit<AppServices, 'conversations'>) => Conversations;
}

/** The only place adapters are chosen and wired. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db =
    overrides.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'pglite'),
      onMigrated: (names) => names.length && logger.info({ migrations: names }, 'applied database migrations'),
    }));
  const bus = overrides.bus ?? (config.redisUrl ? createRedisEventBus(config.redisUrl) : createMemoryEventBus());
  const tokens = createTokenService({
    secret: await resolveJwtSecret(config.auth.jwtSecret, config.dataDir, config.env === 'production'),
    issuer: config.auth.issuer,
    accessTtlSeconds: config.auth.accessTokenTtlSeconds,
    sessionTtlSeconds: config.auth.sessionTokenTtlSeconds,
  });
  const events = new SessionEventPublisher(db, bus, logger);
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  const sessions = new SessionService({ db, tokens, events, publicUrl: () => publicUrl });
  const base = { config, db, bus, tokens, events, sessions };
  const conversations = overrides.conversations?.(base) ?? unavailableConversations();
  const services: AppServices = { ...base, conversations };

  const health: HealthCheck[] = [
    { name: `database (${db.kind})`, required: true, check: () => db.ping() },
    { name: `pubsub (${bus.kind})`, required: true, check: () => bus.ping() },
  ];
  const yoga = createGraphQLServer(services, logger, [
    useHttpRoutes({ services, logger, version: VERSION, health, consoleDir: path.resolve(config.consoleDir) }),
  ]);
  const graphqlWs = createGraphQLWebSocketServer(yoga);

  const server: Server = createServer(yoga);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/graphql') {
      graphqlWs.wss.handleUpgrade(req, socket, head, (ws) => graphqlWs.wss.emit('connection', ws, req));
    } else {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
    }
  });

  let started = false;
  return {
    services,
    logger,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      started = true;
      const { port } = server.address() as AddressInfo;
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      if (!config.publicUrl) publicUrl = url;
      logger.info({ url, database: db.kind, pubsub: bus.kind }, 'avatar platform listening');
      return { url, port };
    },
    async stop() {
      if (started) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await graphqlWs.close();
        server.closeAllConnections();
        await closed;
      }
      await events.flush();
      // Stores passed in by the caller stay open: the caller owns them.
      if (!overrides.bus) await bus.close();
      if (!overrides.database) await db.close();
      logger.info('stopped');
    },
  };
}

/** Until the voice pipeline is wired, conversation input answers with a typed, retryable error. */
function unavailableConversations(): Conversations {
  return {
    async sendText() {
      const { AppError } = await import('./errors');
      throw new AppError('UNAVAILABLE', 'The conversation pipeline is not running', { retryable: true });
    },
    async interrupt() {
      return false;
    },
    async close() {},
  };
}
