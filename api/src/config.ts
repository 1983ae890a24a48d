import proxyAddr from 'proxy-addr';
import { z } from 'zod';

/**
 * The only reader of process.env. Every variable has a default that works on the embedded setup
 * (PGlite, in-process pub/sub, local speech engines, a local Temporal dev server); the README lists them all.
 */
const roleSchema = z.enum(['user', 'admin', 'integrator']);
export type RoleName = z.infer<typeof roleSchema>;

export interface DevUser {
  username: string;
  password: string;
  role: RoleName;
}
export interface ApiKey {
  key: string;
  username: string;
  role: RoleName;
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

const envSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  HOST: z.string().default('127.0.0.1'),
  PORT: z.coerce.number().int().min(0).max(65535).default(4000),
  PUBLIC_URL: z.url().optional(),
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
  DATA_DIR: z.string().default('.data'),
  CONSOLE_DIR: z.string().default('console/dist'),
  DEMO_DIR: z.string().default('client/demo/dist'),
  DATABASE_URL: z.string().optional(),
  REDIS_URL: z.string().optional(),
  TEMPORAL_ADDRESS: z.string().optional(),
  TEMPORAL_NAMESPACE: z.string().default('default'),
  /** The Temporal worker's own metrics (task slots, polls, workflow and activity latencies) for Prometheus. */
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  /** `embedded` starts a local Temporal dev server; `off` disables background workflows. */
  WORKFLOWS: z.enum(['auto', 'embedded', 'off']).default('auto'),
  JWT_SECRET: z.string().min(32, 'JWT_SECRET must be at least 32 characters').optional(),
  JWT_ISSUER: z.string().default('avatar-platform'),
  ACCESS_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().default(3600),
  SESSION_TOKEN_TTL_SECONDS: z.coerce.number().int().positive().max(3600).default(300),
  /** Unset: the development users below, except in production, where there are none. */
  AUTH_USERS: z.string().optional(),
  API_KEYS: z.string().default(''),
  OIDC_DOMAIN: z.string().optional(),
  OIDC_AUDIENCE: z.string().optional(),
  OIDC_ROLE_CLAIM: z.string().default('https://avatar-platform/role'),
  OIDC_ISSUER: z.string().optional(),
  OIDC_JWKS_URI: z.url().optional(),
  CORS_ORIGINS: z.string().default('*'),
  TRUSTED_PROXIES: z.string().default(''),
  METRICS_PORT: z.coerce.number().int().min(1).max(65535).optional(),
  METRICS_TOKEN: z.string().min(16, 'METRICS_TOKEN must be at least 16 characters').optional(),
  /** OTLP/HTTP collector base URL (traces go to `<url>/v1/traces`); unset: nothing is traced or exported. */
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url().optional(),
  OTEL_SERVICE_NAME: z.string().min(1).default('avatar-api'),
  /** Log a hash of each user id instead of the id. */
  LOG_ANONYMIZE: z
    .enum(['true', 'false'])
    .default('false')
    .transform((v) => v === 'true'),
  OPENAI_API_KEY: z.string().optional(),
  OPENAI_BASE_URL: z.string().optional(),
  LLM_MODEL: z.string().default('gpt-4o-mini'),
  LLM_PROVIDERS: z.string().optional(),
  /** Any GGUF chat model for the in-process `llama` provider; unset: SmolLM2-135M-Instruct installed by setup. */
  LLAMA_MODEL_PATH: z.string().min(1).optional(),
  LLAMA_THREADS: z.coerce.number().int().min(1).max(64).default(2),
  /** Tokens of context per answer: prompt, history and answer; older turns shift out beyond it. */
  LLAMA_CONTEXT_SIZE: z.coerce.number().int().min(512).max(131_072).default(2048),
  /** Answers decoded at once; more wait in a short queue, then fail over to the next provider. */
  LLAMA_PARALLEL: z.coerce.number().int().min(1).max(16).default(2),
  /** The answer contract enforced while decoding; `off` only to see what a model writes on its own. */
  LLAMA_GRAMMAR: z
    .enum(['on', 'off'])
    .default('on')
    .transform((v) => v === 'on'),
  STT_PROVIDERS: z.string().default('whisper,local'),
  /** Any CTranslate2 Whisper model directory (e.g. base.en); unset: tiny.en from the installed PyPI package. */
  WHISPER_MODEL_DIR: z.string().min(1).optional(),
  TTS_PROVIDERS: z.string().default('local'),
  /** A Piper voice with its durations output, for the `piper` TTS provider; unset: en_US-joe-medium from setup. */
  PIPER_VOICE_PATH: z.string().min(1).optional(),
  EMBEDDING_PROVIDER: z.enum(['local', 'openai']).default('local'),
  /** Speech-to-speech agents for personas in agent mode (the key is OPENAI_API_KEY's). */
  OPENAI_REALTIME_URL: z.url({ protocol: /^wss?$/ }).optional(),
  OPENAI_REALTIME_MODEL: z.string().min(1).default('gpt-4o-realtime-preview'),
  GEMINI_API_KEY: z.string().min(1).optional(),
  GEMINI_LIVE_URL: z.url({ protocol: /^wss?$/ }).optional(),
  GEMINI_LIVE_MODEL: z.string().min(1).default('models/gemini-2.0-flash-live-001'),
  /** After an agent failed, how long its sessions answer with the cascade before trying it again. */
  AGENT_RETRY_AFTER_MS: z.coerce.number().int().min(0).max(3_600_000).default(30_000),
  /** Longest silence from an agent while an answer is due; past it the turn fails over to the cascade. */
  AGENT_IDLE_TIMEOUT_MS: z.coerce.number().int().min(200).max(120_000).default(15_000),
  END_OF_TURN_SILENCE_MS: z.coerce.number().int().min(100).max(5000).default(600),
  /** A shorter silence at which what was said is transcribed ahead; a finished sentence ends the turn there (0: off). */
  /**
   * Speech between two partial transcripts of an utterance still going on (0: none); only local engines give them.
   * Off by default: on 2 cores a partial still decoding when the user stops delays the turn's transcript.
   */
  STT_PARTIAL_INTERVAL_MS: z.coerce.number().int().min(0).max(5000).default(0),
  END_OF_TURN_PAUSE_MS: z.coerce.number().int().min(0).max(5000).default(250),
  /** The silence after which a transcript that reads as finished ends the turn (a comma's pause is shorter). */
  END_OF_TURN_FINISHED_MS: z.coerce.number().int().min(0).max(5000).default(400),
  /** `auto`: open in development and tests, signed-in callers only in production. */
  INTROSPECTION: z.enum(['auto', 'on', 'signed-in', 'off']).default('auto'),
  SUBSCRIBER_MAX_EVENTS: z.coerce.number().int().min(16).default(1024),
  SUBSCRIBER_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(65_536)
    .default(4 * 1024 * 1024),
  MAX_OPEN_SESSIONS_PER_USER: z.coerce.number().int().min(1).default(10),
  MAX_SOCKETS_PER_USER: z.coerce.number().int().min(1).default(20),
  MAX_SUBSCRIPTIONS_PER_USER: z.coerce.number().int().min(1).default(20),
  MAX_SUBSCRIPTIONS_PER_SOCKET: z.coerce.number().int().min(1).default(10),
  CONNECTIONS_PER_MINUTE_PER_IP: z.coerce.number().int().min(1).default(120),
  HTTP_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(1024 * 1024),
  /** Largest image `sendImage` takes (the whole request must also fit HTTP_MAX_BODY_BYTES). */
  IMAGE_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(512 * 1024),
  WS_MAX_MESSAGE_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024),
  /** graphql-ws pings this often; a socket that has not answered by the next ping is cut off. */
  WS_KEEPALIVE_SECONDS: z.coerce.number().int().min(1).default(12),
  SESSION_IDLE_TIMEOUT_SECONDS: z.coerce.number().int().min(1).default(600),
  SESSION_MAX_DURATION_SECONDS: z.coerce
    .number()
    .int()
    .min(1)
    .default(4 * 60 * 60),
  SESSION_DISCONNECT_GRACE_SECONDS: z.coerce.number().int().min(0).default(60),
  SESSION_SUMMARY_EVERY_TURNS: z.coerce.number().int().min(0).default(20),
  EXPORT_MAX_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .default(256 * 1024 * 1024),
  MAX_CONCURRENT_EXPORTS_PER_USER: z.coerce.number().int().min(1).default(1),
  MEMORY_RECALL_TIMEOUT_MS: z.coerce.number().int().min(1).default(400),
  MODERATION_TIMEOUT_MS: z.coerce.number().int().min(1).default(2000),
});

/** The development sign-in users; production refuses them (and any `change-me` password). */
const DEV_USERS = 'admin:admin:admin,demo:demo:user';

export interface Config {
  env: 'development' | 'production' | 'test';
  host: string;
  port: number;
  publicUrl?: string;
  logLevel: string;
  dataDir: string;
  /** The built admin console, served at /console. */
  consoleDir: string;
  /** The client package's demo page, served at /demo. */
  demoDir: string;
  databaseUrl?: string;
  redisUrl?: string;
  temporal: {
    address?: string;
    namespace: string;
    mode: 'auto' | 'embedded' | 'off';
    /** The SDK's Prometheus endpoint, `/metrics` on this port (the process's Temporal runtime serves it). */
    metricsPort?: number;
  };
  auth: {
    jwtSecret?: string;
    issuer: string;
    accessTokenTtlSeconds: number;
    sessionTokenTtlSeconds: number;
    devUsers: DevUser[];
    apiKeys: ApiKey[];
    oidc?: { domain: string; audience: string; roleClaim: string; issuer: string; jwksUri?: string };
  };
  corsOrigins: string[] | '*';
  /**
   * Proxies whose X-Forwarded-For is believed (addresses, CIDRs, or `loopback`, `linklocal`, `uniquelocal`), so
   * per-address limits count clients and not the proxy in front of the nodes.
   */
  trustedProxies: string[];
  /** Prometheus metrics: at /metrics on `port` when set (else on the API's port), behind a bearer `token` when set. */
  metrics: { port?: number; token?: string };
  /** OpenTelemetry traces: exported over OTLP/HTTP to `otlpEndpoint` when set. */
  tracing: { otlpEndpoint?: string; serviceName: string };
  /** Log lines name users by a hash of their id. */
  logAnonymize: boolean;
  providers: {
    openai?: { apiKey: string; baseURL?: string };
    llmModel: string;
    llm: string[];
    stt: string[];
    tts: string[];
    embedding: 'local' | 'openai';
    /** The local speech recognizer's model; its default when unset. */
    whisperModelDir?: string;
    piperVoicePath?: string;
    llama: { modelPath?: string; threads: number; contextSize: number; parallel: number; grammar: boolean };
    /** Each agent provider is offered when its key or its URL is set. */
    agents: {
      openaiRealtime?: { url: string; model: string; apiKey?: string };
      geminiLive?: { url: string; model: string; apiKey?: string };
      retryAfterMs: number;
      idleTimeoutMs: number;
    };
  };
  endOfTurnSilenceMs: number;
  /** 0: the turn always ends after the full silence. */
  endOfTurnPauseMs: number;
  partialTranscriptIntervalMs: number;
  endOfTurnFinishedMs: number;
  /** Who may run introspection queries: anyone, signed-in callers only, or nobody. */
  introspection: 'on' | 'signed-in' | 'off';
  limits: {
    subscriber: { maxEvents: number; maxBytes: number };
    openSessionsPerUser: number;
    socketsPerUser: number;
    subscriptionsPerUser: number;
    subscriptionsPerSocket: number;
    connectionsPerMinutePerIp: number;
    httpMaxBodyBytes: number;
    wsMaxMessageBytes: number;
    wsKeepAliveMs: number;
  };
  lifecycle: {
    idleTimeoutMs: number;
    maxDurationMs: number;
    disconnectGraceMs: number;
    /** A long session is summarized into memories every this many user turns (0: only when it ends). */
    summaryEveryTurns: number;
  };
  privacy: { exportMaxBytes: number; concurrentExportsPerUser: number };
  /** Caps on the critical path of a turn: past them the turn goes on without (recall) or safely (moderation). */
  timeouts: { memoryRecallMs: number; moderationMs: number };
  imageMaxBytes: number;
}

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

function parseTriples<T>(
  raw: string,
  variable: string,
  build: (a: string, b: string, role: RoleName) => T,
): T[] {
  return list(raw).map((entry) => {
    const [a, b, role] = entry.split(':');
    const parsedRole = roleSchema.safeParse(role);
    if (!a || !b || !parsedRole.success) {
      throw new ConfigError(
        `${variable}: entries must look like name:secret:role (role user|admin|integrator)`,
      );
    }
    return build(a, b, parsedRole.data);
  });
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new ConfigError(`Invalid configuration: ${problems}`);
  }
  const e = parsed.data;
  try {
    proxyAddr.compile(list(e.TRUSTED_PROXIES));
  } catch (err) {
    throw new ConfigError(`TRUSTED_PROXIES: ${(err as Error).message}`);
  }
  if ((e.OIDC_DOMAIN && !e.OIDC_AUDIENCE) || (!e.OIDC_DOMAIN && e.OIDC_AUDIENCE)) {
    throw new ConfigError('OIDC_DOMAIN and OIDC_AUDIENCE must be set together');
  }
  const production = e.NODE_ENV === 'production';
  const devUsers = parseTriples(
    e.AUTH_USERS ?? (production ? '' : DEV_USERS),
    'AUTH_USERS',
    (username, password, role) => ({ username, password, role }),
  );
  if (production) {
    if (!e.JWT_SECRET) {
      throw new ConfigError('JWT_SECRET must be set in production (e.g. `openssl rand -base64 48`)');
    }
    const weak = devUsers.find(
      (u) => DEV_USERS.includes(`${u.username}:${u.password}:`) || u.password === 'change-me',
    );
    if (weak) {
      throw new ConfigError(
        `AUTH_USERS: refusing the development user "${weak.username}" with its default password in production`,
      );
    }
  }
  const openai =
    e.OPENAI_API_KEY || e.OPENAI_BASE_URL
      ? { apiKey: e.OPENAI_API_KEY ?? 'none', baseURL: e.OPENAI_BASE_URL }
      : undefined;
  return {
    env: e.NODE_ENV,
    host: e.HOST,
    port: e.PORT,
    publicUrl: e.PUBLIC_URL,
    logLevel: e.LOG_LEVEL,
    dataDir: e.DATA_DIR,
    consoleDir: e.CONSOLE_DIR,
    demoDir: e.DEMO_DIR,
    databaseUrl: e.DATABASE_URL || undefined,
    redisUrl: e.REDIS_URL || undefined,
    temporal: {
      address: e.TEMPORAL_ADDRESS || undefined,
      namespace: e.TEMPORAL_NAMESPACE,
      mode: e.WORKFLOWS,
      metricsPort: e.TEMPORAL_METRICS_PORT,
    },
    auth: {
      jwtSecret: e.JWT_SECRET,
      issuer: e.JWT_ISSUER,
      accessTokenTtlSeconds: e.ACCESS_TOKEN_TTL_SECONDS,
      sessionTokenTtlSeconds: e.SESSION_TOKEN_TTL_SECONDS,
      devUsers,
      apiKeys: parseTriples(e.API_KEYS, 'API_KEYS', (key, username, role) => ({ key, username, role })),
      oidc:
        e.OIDC_DOMAIN && e.OIDC_AUDIENCE
          ? {
              domain: e.OIDC_DOMAIN,
              audience: e.OIDC_AUDIENCE,
              roleClaim: e.OIDC_ROLE_CLAIM,
              // Auth0's conventions by default; other issuers (Keycloak, Entra...) name theirs.
              issuer: e.OIDC_ISSUER ?? `https://${e.OIDC_DOMAIN}/`,
              jwksUri: e.OIDC_JWKS_URI,
            }
          : undefined,
    },
    corsOrigins: e.CORS_ORIGINS === '*' ? '*' : list(e.CORS_ORIGINS),
    trustedProxies: list(e.TRUSTED_PROXIES),
    metrics: { port: e.METRICS_PORT, token: e.METRICS_TOKEN },
    tracing: { otlpEndpoint: e.OTEL_EXPORTER_OTLP_ENDPOINT, serviceName: e.OTEL_SERVICE_NAME },
    logAnonymize: e.LOG_ANONYMIZE,
    providers: {
      openai,
      llmModel: e.LLM_MODEL,
      // An OpenAI-compatible endpoint when configured, else the in-process model; the rule-based responder last.
      llm: e.LLM_PROVIDERS ? list(e.LLM_PROVIDERS) : openai ? ['openai', 'local'] : ['llama', 'local'],
      stt: list(e.STT_PROVIDERS),
      tts: list(e.TTS_PROVIDERS),
      embedding: e.EMBEDDING_PROVIDER,
      whisperModelDir: e.WHISPER_MODEL_DIR,
      piperVoicePath: e.PIPER_VOICE_PATH,
      llama: {
        modelPath: e.LLAMA_MODEL_PATH,
        threads: e.LLAMA_THREADS,
        contextSize: e.LLAMA_CONTEXT_SIZE,
        parallel: e.LLAMA_PARALLEL,
        grammar: e.LLAMA_GRAMMAR,
      },
      agents: {
        openaiRealtime:
          e.OPENAI_API_KEY || e.OPENAI_REALTIME_URL
            ? {
                url: e.OPENAI_REALTIME_URL ?? 'wss://api.openai.com/v1/realtime',
                model: e.OPENAI_REALTIME_MODEL,
                apiKey: e.OPENAI_API_KEY,
              }
            : undefined,
        geminiLive:
          e.GEMINI_API_KEY || e.GEMINI_LIVE_URL
            ? {
                url:
                  e.GEMINI_LIVE_URL ??
                  'wss://generativelanguage.googleapis.com/ws/google.ai.generativelanguage.v1beta.GenerativeService.BidiGenerateContent',
                model: e.GEMINI_LIVE_MODEL,
                apiKey: e.GEMINI_API_KEY,
              }
            : undefined,
        retryAfterMs: e.AGENT_RETRY_AFTER_MS,
        idleTimeoutMs: e.AGENT_IDLE_TIMEOUT_MS,
      },
    },
    endOfTurnSilenceMs: e.END_OF_TURN_SILENCE_MS,
    endOfTurnPauseMs: e.END_OF_TURN_PAUSE_MS,
    partialTranscriptIntervalMs: e.STT_PARTIAL_INTERVAL_MS,
    endOfTurnFinishedMs: e.END_OF_TURN_FINISHED_MS,
    introspection: e.INTROSPECTION === 'auto' ? (production ? 'signed-in' : 'on') : e.INTROSPECTION,
    limits: {
      subscriber: { maxEvents: e.SUBSCRIBER_MAX_EVENTS, maxBytes: e.SUBSCRIBER_MAX_BYTES },
      openSessionsPerUser: e.MAX_OPEN_SESSIONS_PER_USER,
      socketsPerUser: e.MAX_SOCKETS_PER_USER,
      subscriptionsPerUser: e.MAX_SUBSCRIPTIONS_PER_USER,
      subscriptionsPerSocket: e.MAX_SUBSCRIPTIONS_PER_SOCKET,
      connectionsPerMinutePerIp: e.CONNECTIONS_PER_MINUTE_PER_IP,
      httpMaxBodyBytes: e.HTTP_MAX_BODY_BYTES,
      wsMaxMessageBytes: e.WS_MAX_MESSAGE_BYTES,
      wsKeepAliveMs: e.WS_KEEPALIVE_SECONDS * 1000,
    },
    lifecycle: {
      idleTimeoutMs: e.SESSION_IDLE_TIMEOUT_SECONDS * 1000,
      maxDurationMs: e.SESSION_MAX_DURATION_SECONDS * 1000,
      disconnectGraceMs: e.SESSION_DISCONNECT_GRACE_SECONDS * 1000,
      summaryEveryTurns: e.SESSION_SUMMARY_EVERY_TURNS,
    },
    privacy: {
      exportMaxBytes: e.EXPORT_MAX_BYTES,
      concurrentExportsPerUser: e.MAX_CONCURRENT_EXPORTS_PER_USER,
    },
    timeouts: { memoryRecallMs: e.MEMORY_RECALL_TIMEOUT_MS, moderationMs: e.MODERATION_TIMEOUT_MS },
    imageMaxBytes: e.IMAGE_MAX_BYTES,
  };
}
