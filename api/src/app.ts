import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import type { SpanExporter } from '@opentelemetry/sdk-trace';
import { Redis } from 'ioredis';
import { ResamplerPool } from './adapters/audio/resampler';
import { Wav2ArkitAnimator } from './adapters/blendshapes/wav2arkit';
import { createWav2ArkitSession } from './adapters/blendshapes/wav2arkit-session';
import type { EmbeddingAdapter } from './adapters/embedding/types';
import { OpenAIModerator } from './adapters/moderation/openai';
import { WhisperStt } from './adapters/stt/whisper';
import { EspeakProcess } from './adapters/tts/espeak-process';
import { createSileroSession, SileroBatchRunner } from './adapters/vad/silero';
import { ProfileVisemeService } from './adapters/visemes/profile-viseme-service';
import type { Config } from './config';
import { InMemoryConversationHistory, RedisConversationHistory } from './db/conversation-history';
import { type Database, openDatabase } from './db/database';
import { TurnRepository } from './db/turn-repository';
import { parsePersonaTools } from './domain/tools';
import { errorCode } from './errors';
import { escapedErrorCount } from './escaped-errors';
import { createGraphQLServer } from './graphql/yoga';
import { createLogger, type Logger, logUserId } from './logger';
import { metricsResponse, PlatformMetrics } from './observability/metrics';
import { observedPorts } from './observability/observed-ports';
import { PlatformTracing } from './observability/tracing';
import {
  agentAdapters,
  embeddingFor,
  type ProviderOverrides,
  speechProviders,
  summarizerFor,
} from './providers';
import { RealtimeHub } from './realtime/hub';
import type { ConversationHistory } from './realtime/ports';
import { avatarSpeechRenderers } from './realtime/speech-renderer';
import type { AppServices } from './services';
import { BACKGROUND_OFF, type StartBackground } from './services/background';
import { ConnectionRegistry } from './services/connections';
import { ConversationService } from './services/conversations';
import { createMemoryEventBus, createRedisEventBus, type EventBus } from './services/event-bus';
import { MemoryEventSeqs, RedisEventSeqs } from './services/event-seqs';
import { MemoryService } from './services/memory';
import { ModerationService } from './services/moderation';
import { NodeCommands } from './services/node-commands';
import { SessionEventPublisher } from './services/session-events';
import { SessionLifecycle } from './services/session-lifecycle';
import { SessionLimits } from './services/session-limits';
import { RedisOwnership, SingleNodeOwnership } from './services/session-ownership';
import { SessionService } from './services/sessions';
import { LocalCounts, RedisCounts } from './services/shared-counts';
import { createTokenService, resolveJwtSecret } from './services/tokens';
import { createToolRunner } from './services/tools';
import { createAudioSocket } from './transport/audio-socket';
import { withBodyLimit } from './transport/body-limit';
import { createGraphQLWebSocketServer } from './transport/graphql-ws';
import { rejectUpgrade } from './transport/http-errors';
import { type HealthCheck, useHttpRoutes } from './transport/http-routes';
import { createUpgradeGuard, trustProxies } from './transport/origin';

export const VERSION = '0.1.0';

export interface App {
  readonly services: AppServices;
  readonly hub: RealtimeHub;
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
  /** Replaces the configured speech providers (benchmarks and pipeline tests use fakes). */
  providers?: ProviderOverrides;
  embedding?: EmbeddingAdapter;
  /**
   * Starts background work (summaries, privacy, maintenance): the Temporal runtime from `workflows/`, given by
   * the process entry point. Without it background work is off.
   */
  background?: StartBackground;
  /** Traces go here (an in-memory exporter in tests), whether or not an OTLP endpoint is configured. */
  spanExporter?: SpanExporter;
}

/** The only place adapters are chosen and wired. */
export async function buildApp(config: Config, overrides: AppOverrides = {}): Promise<App> {
  const logger = overrides.logger ?? createLogger(config.logLevel);
  const db =
    overrides.database ??
    (await openDatabase({
      url: config.databaseUrl,
      dataDir: config.databaseUrl ? undefined : path.join(config.dataDir, 'pglite'),
      onMigrated: (names) =>
        names.length && logger.info({ migrations: names }, 'applied database migrations'),
      onConnectionError: (err) => logger.warn({ err }, 'database connection lost'),
    }));
  const onRedisError = (err: Error) => logger.warn({ err }, 'redis connection error');
  const bus =
    overrides.bus ??
    (config.redisUrl ? createRedisEventBus(config.redisUrl, onRedisError) : createMemoryEventBus());
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  redis?.on('error', onRedisError);
  const tokens = createTokenService({
    secret: await resolveJwtSecret(config.auth.jwtSecret, config.dataDir, config.env === 'production'),
    issuer: config.auth.issuer,
    accessTtlSeconds: config.auth.accessTokenTtlSeconds,
    sessionTtlSeconds: config.auth.sessionTokenTtlSeconds,
  });
  const seqs = redis ? new RedisEventSeqs(redis) : new MemoryEventSeqs();
  const events = new SessionEventPublisher(db, bus, logger, seqs);
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;

  // Undefined without an OTLP endpoint: then nothing is traced at all.
  const tracing = PlatformTracing.create({
    serviceName: config.tracing.serviceName,
    otlpEndpoint: config.tracing.otlpEndpoint,
    exporter: overrides.spanExporter,
  });
  const embedding = overrides.embedding ?? (await embeddingFor(config));
  const background =
    config.temporal.mode === 'off' || !overrides.background
      ? BACKGROUND_OFF
      : await overrides.background(config, {
          db,
          embedding,
          summarize: summarizerFor(config),
          logger,
          exportMaxBytes: config.privacy.exportMaxBytes,
          tracing,
        });
  const workflows = background.work;
  if (workflows) await workflows.startMemoryMaintenance({}, MAINTENANCE_SCHEDULE);

  const sessions = new SessionService({
    db,
    tokens,
    events,
    publicUrl: () => publicUrl,
    maxOpenPerUser: config.limits.openSessionsPerUser,
    onEnded: (session) => {
      workflows
        ?.startSessionSummary(session.id)
        .catch((err: unknown) =>
          logger.error({ err, sessionId: session.id }, 'could not start the session summary'),
        );
    },
  });
  const history: ConversationHistory = redis
    ? new RedisConversationHistory(redis)
    : new InMemoryConversationHistory();
  const moderation = new ModerationService({
    db,
    logger,
    remote: config.providers.openai
      ? new OpenAIModerator({
          apiKey: config.providers.openai.apiKey,
          baseURL: config.providers.openai.baseURL,
        })
      : undefined,
  });
  const visemes = new ProfileVisemeService();
  const ownership = redis ? new RedisOwnership(redis) : new SingleNodeOwnership();
  // Counts every node shares: a user's sockets and subscriptions, a session's connected clients.
  const counts = redis
    ? new RedisCounts(redis, {
        nodeId: ownership.nodeId,
        onError: (err) => logger.warn({ err }, 'shared counts unavailable: counting on this node alone'),
      })
    : new LocalCounts();
  const lifecycle = new SessionLifecycle(
    { db, sessions, background: workflows, logger, clients: counts },
    config.lifecycle,
  );
  const limits = new SessionLimits({ redis });
  const memories = new MemoryService(db, embedding);
  // This app's own espeak-ng worker process (a GPL-3.0 program of its own), stopped with the app.
  const espeak = new EspeakProcess();
  // Whisper's helper process, started with the providers when STT_PROVIDERS names it.
  const whisper = new WhisperStt({ modelDir: config.providers.whisperModelDir });
  const resamplers = new ResamplerPool();
  // A missing or corrupt face model stops start-up here, naming the file, rather than failing the first turn.
  const animator = new Wav2ArkitAnimator(await createWav2ArkitSession(), resamplers);
  // Its sources are read at each scrape; they are built below.
  const metrics: PlatformMetrics = new PlatformMetrics({
    liveSessions: () => hub.size,
    sockets: () => ({
      audio: audioSocket.stats().openConnections,
      graphql: graphqlWs.stats().openSockets,
      subscriptions: graphqlWs.stats().subscriptions,
    }),
    dropped: () => ({
      microphoneFrames: audioSocket.stats().droppedInboundFrames,
      slowConsumers: graphqlWs.stats().slowConsumersCut,
      audioProtocolErrors: audioSocket.stats().protocolErrors,
      audioUpgrades: audioSocket.stats().rejectedUpgrades,
    }),
    providers: () => ({
      stt: providers.stt.chain.metrics(),
      llm: providers.llm.chain.metrics(),
      tts: providers.tts.chain.metrics(),
    }),
    queues: () => ({
      sttUtterances: whisper.queued,
      events: events.queued(),
      bytes: {
        microphone: audioSocket.stats().queuedInboundBytes,
        subscribers: graphqlWs.stats().queuedOutboundBytes,
      },
    }),
  });
  const logUser = logUserId(config.logAnonymize);
  const scrape = (authorization: string | null) =>
    metricsResponse(metrics, config.metrics.token, authorization);
  const providers = await speechProviders(config, {
    espeak,
    whisper,
    overrides: overrides.providers,
    onFailover: (event) => {
      metrics.failover(event);
      // A call that ran out of providers fails its turn, which the pipeline logs once, with its code.
      if (event.type === 'failover') {
        logger.warn(
          { ...event.log, code: errorCode(event.error), err: event.error, from: event.from, to: event.to },
          'provider failed over',
        );
      }
    },
  });
  const turns = new TurnRepository(db);
  const vad = new SileroBatchRunner(await createSileroSession(), { maxWaitMs: 4 });
  const hub = new RealtimeHub({
    providers,
    vad,
    resamplers,
    visemes,
    renderers: avatarSpeechRenderers({ visemeService: visemes, animator }),
    ...observedPorts(metrics, { events, turns, moderator: moderation }),
    history,
    memory: memories,
    activity: lifecycle,
    limits,
    logger,
    logUserId: logUser,
    tracer: tracing,
    aligner: workflows
      ? {
          align: ({ turnId, ...response }) =>
            void workflows
              .startAlignment(turnId, { response })
              .catch((err: unknown) =>
                logger.warn(
                  { err, sessionId: response.sessionId, turnId },
                  'could not start the alignment of an answer',
                ),
              ),
        }
      : undefined,
    endOfTurnSilenceMs: config.endOfTurnSilenceMs,
    endOfTurnPauseMs: config.endOfTurnPauseMs,
    partialTranscriptIntervalMs: config.partialTranscriptIntervalMs,
    endOfTurnFinishedMs: config.endOfTurnFinishedMs,
    timeouts: config.timeouts,
    agents: { byName: agentAdapters(config, resamplers), retryAfterMs: config.providers.agents.retryAfterMs },
    tools: (persona, userId) =>
      createToolRunner(parsePersonaTools(persona.tools), {
        recall: (query) => memories.recallTexts({ userId, personaId: persona.id, query }),
      }),
  });
  // Other nodes reach this one's sessions through Redis; commands run here once this node is listening.
  const commands: NodeCommands | undefined = config.redisUrl
    ? new NodeCommands(
        config.redisUrl,
        ownership.nodeId,
        (command): Promise<unknown> => conversations.runHere(command),
        logger,
      )
    : undefined;
  const conversations = new ConversationService({
    hub,
    sessions,
    tokens,
    history,
    lifecycle,
    limits,
    ownership,
    remote: commands,
    log: events.log,
    events,
    turns,
  });
  lifecycle.start((sessionId, reason) => conversations.endBySystem(sessionId, reason));
  const connections = new ConnectionRegistry(config.limits, counts);
  const services: AppServices = {
    config,
    db,
    bus,
    tokens,
    events,
    sessions,
    conversations,
    visemes,
    memories,
    moderation,
    workflows,
    tracing,
  };
  const audioSocket = createAudioSocket({
    authenticate: async (token) => {
      const live = await conversations.authenticateAudio(token);
      return { sessionId: live.session.id, live };
    },
    openSink: ({ live }, client) => conversations.openMicrophone(live, client),
    admit: ({ live }) => connections.openSocket(live.session.userId),
    release: ({ live }) => connections.closeSocket(live.session.userId),
    onError: (err) => logger.warn({ err }, 'audio socket error'),
    frameLatency: metrics.audioFrameLatency,
    sessionEvents: ({ live }) => bus.subscribe('sessionEvents', live.session.id),
  });

  const health: HealthCheck[] = [
    { name: `database (${db.kind})`, required: true, check: () => db.ping() },
    { name: `pubsub (${bus.kind})`, required: true, check: () => bus.ping() },
    ...(workflows
      ? [{ name: `workflows (${background.mode})`, required: false, check: () => workflows.ping() }]
      : []),
  ];
  const trustedProxies = trustProxies(config.trustedProxies);
  const yoga = createGraphQLServer(
    services,
    logger,
    [
      ...(tracing ? [tracing.graphqlPlugin()] : []),
      useHttpRoutes({
        services,
        logger,
        version: VERSION,
        health,
        details: () => ({
          node: ownership.nodeId,
          escapedErrors: escapedErrorCount(),
          liveSessions: hub.size,
          graphqlSockets: graphqlWs.stats(),
          audioSockets: audioSocket.stats(),
          // Beside /metrics' frame latency histogram, where each frame's time goes: busy time / frames.
          audioInput: { resampling: resamplers.stats(), vad: { ...vad.stats } },
          providers: {
            stt: providers.stt.chain.metrics(),
            llm: providers.llm.chain.metrics(),
            tts: providers.tts.chain.metrics(),
          },
        }),
        consoleDir: path.resolve(config.consoleDir),
        demoDir: path.resolve(config.demoDir),
        redis,
        trustedProxies,
        metrics: config.metrics.port === undefined ? scrape : undefined,
      }),
    ],
    (code) => metrics.rejectedInput(code),
  );
  const graphqlWs = createGraphQLWebSocketServer(yoga, { connections, limits: config.limits, logger });

  const server: Server = createServer(withBodyLimit(yoga, config.limits.httpMaxBodyBytes));
  const upgrades = createUpgradeGuard({
    corsOrigins: config.corsOrigins,
    connectionsPerMinutePerIp: config.limits.connectionsPerMinutePerIp,
    trustedProxies,
    redis,
  });
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    // A client that resets during the checks must not crash the process.
    socket.on('error', () => {});
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname !== '/graphql' && pathname !== '/audio') {
      socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
      return;
    }
    upgrades.check(req).then(
      () => {
        if (socket.destroyed) return;
        if (pathname === '/audio') audioSocket.handleUpgrade(req, socket, head);
        else
          graphqlWs.wss.handleUpgrade(req, socket, head, (ws) => graphqlWs.wss.emit('connection', ws, req));
      },
      (err: unknown) => rejectUpgrade(socket, err),
    );
  });

  // With METRICS_PORT, /metrics has a listener of its own (one only the monitoring network reaches, say).
  const metricsServer =
    config.metrics.port === undefined
      ? undefined
      : createServer((req, res) => {
          if (req.method !== 'GET' || new URL(req.url ?? '/', 'http://localhost').pathname !== '/metrics') {
            res.writeHead(404).end();
            return;
          }
          scrape(req.headers.authorization ?? null).then(
            ({ status, contentType, body }) =>
              res.writeHead(status, { 'content-type': contentType }).end(body),
            (err: unknown) => {
              logger.error({ err }, 'metrics scrape failed');
              res.writeHead(500).end();
            },
          );
        });

  let started = false;
  return {
    services,
    hub,
    logger,
    async start() {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(config.port, config.host, () => resolve());
      });
      if (metricsServer) {
        await new Promise<void>((resolve, reject) => {
          metricsServer.once('error', reject);
          metricsServer.listen(config.metrics.port, config.host, () => resolve());
        });
      }
      started = true;
      await commands?.start();
      ownership.start((sessionId) =>
        conversations
          .lost(sessionId)
          .catch((err: unknown) => logger.warn({ err, sessionId }, 'could not let a lost session go')),
      );
      const { port } = server.address() as AddressInfo;
      const url = `http://${config.host.includes(':') ? `[${config.host}]` : config.host}:${port}`;
      if (!config.publicUrl) publicUrl = url;
      logger.info(
        { url, database: db.kind, pubsub: bus.kind, node: ownership.nodeId },
        'avatar platform listening',
      );
      return { url, port };
    },
    async stop() {
      if (started) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        await graphqlWs.close();
        await audioSocket.close();
        server.closeAllConnections();
        await closed;
        if (metricsServer?.listening) {
          metricsServer.closeAllConnections();
          await new Promise((resolve) => metricsServer.close(resolve));
        }
      }
      await lifecycle.stop();
      await hub.closeAll();
      // Its sessions' leases go at once, so the next command elsewhere takes them without waiting.
      await ownership.stop();
      await commands?.stop();
      await espeak.close();
      await whisper.close();
      await providers.close();
      resamplers.clear();
      await background.stop();
      await events.flush();
      await tracing?.shutdown();
      await redis?.quit();
      // Stores passed in by the caller stay open: the caller owns them.
      if (!overrides.bus) await bus.close();
      if (!overrides.database) await db.close();
      logger.info('stopped');
    },
  };
}

/** Memory decay, pruning and compaction run nightly. */
const MAINTENANCE_SCHEDULE = '0 3 * * *';
