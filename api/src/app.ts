import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import { startWorkflowRuntime } from '../../workflows/src/runtime';
import { embeddingFor, summarizerFor } from '../../workflows/src/worker';
import { ResamplerPool } from './adapters/audio/resampler';
import { Wav2ArkitAnimator } from './adapters/blendshapes/wav2arkit';
import { createWav2ArkitSession } from './adapters/blendshapes/wav2arkit-session';
import type { EmbeddingAdapter } from './adapters/embedding/types';
import { type LabelledProvider, ProviderChain } from './adapters/failover';
import { LocalResponderLlm } from './adapters/llm/local-responder';
import { OpenAILlm } from './adapters/llm/openai';
import type { LLMAdapter } from './adapters/llm/types';
import { createGoogleStt } from './adapters/stt/google';
import { OpenAiStt } from './adapters/stt/openai';
import { PocketsphinxStt } from './adapters/stt/pocketsphinx';
import type { STTAdapter } from './adapters/stt/types';
import { EspeakTts } from './adapters/tts/espeak';
import { EspeakProcess } from './adapters/tts/espeak-process';
import { GoogleTts } from './adapters/tts/google';
import { OpenAITts } from './adapters/tts/openai';
import type { TTSAdapter } from './adapters/tts/types';
import { createSileroSession, SileroBatchRunner } from './adapters/vad/silero';
import { ProfileVisemeService } from './adapters/visemes/profile-viseme-service';
import { createTokenService, resolveJwtSecret } from './auth/tokens';
import type { Config } from './config';
import { type Database, openDatabase } from './db/database';
import { MemoryService } from './db/memory-repository';
import { createMemoryEventBus, createRedisEventBus, type EventBus } from './graphql/pubsub';
import { createGraphQLServer } from './graphql/yoga';
import { createLogger, type Logger } from './logger';
import { ModerationService } from './moderation/moderation-service';
import { OpenAIModerator } from './moderation/openai-moderation';
import { type HistoryStore, InMemoryHistoryStore, RedisHistoryStore } from './realtime/history-store';
import { type ProviderSet, RealtimeHub } from './realtime/hub';
import { SessionLimits } from './realtime/limits';
import { createAvatarSpeechRenderer } from './realtime/speech-renderer';
import type { AppServices } from './services';
import { SessionEventPublisher } from './services/session-events';
import { SessionService } from './services/sessions';
import { createAudioSocket } from './transport/audio-socket';
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
  /** Replaces the configured speech providers (benchmarks and pipeline tests use fakes). */
  providers?: Partial<{ stt: STTAdapter[]; llm: LLMAdapter[]; tts: TTSAdapter[] }>;
  embedding?: EmbeddingAdapter;
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
    }));
  const bus =
    overrides.bus ?? (config.redisUrl ? createRedisEventBus(config.redisUrl) : createMemoryEventBus());
  const tokens = createTokenService({
    secret: await resolveJwtSecret(config.auth.jwtSecret, config.dataDir, config.env === 'production'),
    issuer: config.auth.issuer,
    accessTtlSeconds: config.auth.accessTokenTtlSeconds,
    sessionTtlSeconds: config.auth.sessionTokenTtlSeconds,
  });
  const events = new SessionEventPublisher(db, bus, logger);
  let publicUrl = config.publicUrl ?? `http://${config.host}:${config.port}`;
  // Background work (summaries, privacy, maintenance) goes through Temporal once its runtime is up.
  let onSessionEnded: (sessionId: string) => void = () => undefined;
  const sessions = new SessionService({
    db,
    tokens,
    events,
    publicUrl: () => publicUrl,
    onEnded: (session) => onSessionEnded(session.id),
  });
  const redis = config.redisUrl ? new Redis(config.redisUrl, { maxRetriesPerRequest: 2 }) : undefined;
  const history: HistoryStore = redis ? new RedisHistoryStore(redis) : new InMemoryHistoryStore();
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
  const embedding = overrides.embedding ?? (await embeddingFor(config));
  const memories = new MemoryService(db, embedding);
  const workflows = await startWorkflowRuntime(config, {
    db,
    embedding,
    summarize: summarizerFor(config),
    logger,
  });
  onSessionEnded = (sessionId) => {
    workflows.client
      ?.startSessionSummary(sessionId)
      .catch((err) => logger.error({ err, sessionId }, 'could not start the session summary'));
  };
  if (workflows.client) {
    await workflows.client.startMemoryMaintenance({}, MAINTENANCE_SCHEDULE);
  }
  // This app's own espeak-ng worker process (a GPL-3.0 program of its own), stopped with the app.
  const espeak = new EspeakProcess();
  // A missing or corrupt face model stops start-up here, naming the file, rather than failing the first turn.
  const resamplers = new ResamplerPool();
  const animator = new Wav2ArkitAnimator(await createWav2ArkitSession(), resamplers);
  const hub = new RealtimeHub({
    db,
    tokens,
    sessions,
    events,
    logger,
    providers: await speechProviders(config, espeak, overrides.providers),
    vad: new SileroBatchRunner(await createSileroSession(), { maxWaitMs: 4 }),
    resamplers,
    history,
    limits: new SessionLimits({ redis }),
    moderation,
    retrieveMemories: async (query) => (await memories.recall(query)).map((m) => m.text),
    createSpeechRenderer: (responseId, { persona, session }) => {
      // Work a client cannot render (or a persona turned off) is not done at all.
      const wants = (feature: string) =>
        session.capabilities.includes(feature) && persona.capabilities.includes(feature);
      return createAvatarSpeechRenderer({
        responseId,
        rig: visemes.resolveRig(persona.avatarRig, persona.visemeMap).rig,
        visemes,
        animator: wants('blendshapes') ? animator : undefined,
        gestureLibrary: wants('gestures') ? persona.gestureLibrary : [],
        withVisemes: wants('visemes'),
        onWarning: (message) => logger.debug({ sessionId: session.id, message }, 'speech rendering'),
      });
    },
    endOfTurnSilenceMs: config.endOfTurnSilenceMs,
  });
  const services: AppServices = {
    config,
    db,
    bus,
    tokens,
    events,
    sessions,
    conversations: hub,
    visemes,
    memories,
    moderation,
    workflows: workflows.client,
  };
  const audioSocket = createAudioSocket({
    authenticate: (token) => hub.authenticateAudio(token),
    openSink: (session, client) => hub.openMicrophone(session, client),
    onError: (err) => logger.warn({ err }, 'audio socket error'),
  });

  const health: HealthCheck[] = [
    { name: `database (${db.kind})`, required: true, check: () => db.ping() },
    { name: `pubsub (${bus.kind})`, required: true, check: () => bus.ping() },
    ...(workflows.client
      ? [{ name: `workflows (${workflows.mode})`, required: false, check: () => workflows.client!.ping() }]
      : []),
  ];
  const yoga = createGraphQLServer(services, logger, [
    useHttpRoutes({
      services,
      logger,
      version: VERSION,
      health,
      consoleDir: path.resolve(config.consoleDir),
    }),
  ]);
  const graphqlWs = createGraphQLWebSocketServer(yoga);

  const server: Server = createServer(yoga);
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    const pathname = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (pathname === '/graphql') {
      graphqlWs.wss.handleUpgrade(req, socket, head, (ws) => graphqlWs.wss.emit('connection', ws, req));
    } else if (pathname === '/audio') {
      audioSocket.handleUpgrade(req, socket, head);
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
        await audioSocket.close();
        server.closeAllConnections();
        await closed;
      }
      await hub.closeAll();
      await espeak.close();
      resamplers.clear();
      await workflows.stop();
      await events.flush();
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

const FIRST_CHUNK_TIMEOUT_MS = { stt: 15_000, llm: 10_000, tts: 8_000 };

/** The configured providers of each capability, in order, with the adapter behind each configured name. */
async function speechProviders(config: Config, espeak: EspeakProcess, fakes: AppOverrides['providers'] = {}) {
  const openai = config.providers.openai;
  const build = async <P extends LabelledProvider>(
    kind: 'stt' | 'llm' | 'tts',
    factories: Record<string, () => P | Promise<P>>,
    given: P[] | undefined,
  ): Promise<ProviderSet<P>> => {
    const named: [string, P][] = given
      ? given.map((p) => [p.label, p])
      : await Promise.all(
          config.providers[kind].map(async (name): Promise<[string, P]> => {
            const factory = factories[name];
            if (!factory) throw new Error(`${kind.toUpperCase()}_PROVIDERS: unknown provider "${name}"`);
            return [name, await factory()];
          }),
        );
    const chain = ProviderChain.create(
      named.map(([, p]) => p),
      { firstChunkTimeoutMs: FIRST_CHUNK_TIMEOUT_MS[kind] },
    );
    return { chain, labels: Object.fromEntries(named.map(([name, p]) => [name, p.label])) };
  };
  const needOpenAI = (what: string) => {
    if (!openai) throw new Error(`${what} "openai" needs OPENAI_API_KEY or OPENAI_BASE_URL`);
    return openai;
  };
  return {
    stt: await build<STTAdapter>(
      'stt',
      {
        local: () => new PocketsphinxStt(),
        openai: () => new OpenAiStt(needOpenAI('STT_PROVIDERS')),
        google: () => createGoogleStt(),
      },
      fakes.stt,
    ),
    llm: await build<LLMAdapter>(
      'llm',
      {
        local: () => new LocalResponderLlm(),
        openai: () => new OpenAILlm({ ...needOpenAI('LLM_PROVIDERS'), model: config.providers.llmModel }),
      },
      fakes.llm,
    ),
    tts: await build<TTSAdapter>(
      'tts',
      {
        local: () => new EspeakTts({ process: espeak }),
        openai: () => new OpenAITts(needOpenAI('TTS_PROVIDERS')),
        google: () => new GoogleTts(),
      },
      fakes.tts,
    ),
  };
}
