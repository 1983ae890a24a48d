import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type DevServer, freePort, startDevServer } from '../../workflows/src/dev-server';
import { stopChild } from './child-process';
import { TEST_AUTH_USERS } from './harness';
import { type PostgresServer, startPostgresServer } from './postgres-server';
import { type RedisServer, startRedisServer } from './redis-server';

const REPO_ROOT = path.resolve(import.meta.dirname, '../..');

/** The shared engines several API nodes run on: redis-server, a PostgreSQL server and a Temporal dev server. */
export interface SharedServers {
  redis: RedisServer;
  postgres: PostgresServer;
  databaseUrl: string;
  temporal: DevServer;
  stop(): Promise<void>;
}

export async function startSharedServers(): Promise<SharedServers> {
  const [redis, postgres, temporal] = await Promise.all([
    startRedisServer(),
    startPostgresServer(),
    startDevServer(),
  ]);
  return {
    redis,
    postgres,
    databaseUrl: await postgres.createDatabase(),
    temporal,
    stop: async () => {
      await Promise.all([redis.stop(), postgres.stop(), temporal.stop()]);
    },
  };
}

/** One API node: `main.ts` in its own process, as deployed. */
export interface ApiNode {
  readonly name: string;
  readonly url: string;
  readonly wsUrl: string;
  readonly audioUrl: string;
  /** Its id in Redis (session leases name it). */
  nodeId(): Promise<string>;
  /** Ends the process at once, as a crash would (SIGKILL): no lease released, no log flushed. */
  kill(): Promise<void>;
  /** Starts it again, on the same port. */
  start(): Promise<void>;
  /** Its process is alive (not killed or stopped). */
  readonly running: boolean;
  /** Graceful shutdown (SIGTERM); `start()` brings it back. */
  stop(): Promise<void>;
  /** Stops it and deletes its data folder. */
  dispose(): Promise<void>;
  /** Its recent output, for failure messages. */
  output(): string;
}

/** Starts an API node process on the shared servers and resolves once its /health answers. */
export async function startApiNode(
  name: string,
  servers: SharedServers,
  env: Record<string, string> = {},
): Promise<ApiNode> {
  const port = await freePort();
  const dataDir = await mkdtemp(path.join(tmpdir(), `avatar-node-${name}-`));
  const url = `http://127.0.0.1:${port}`;
  const lines: string[] = [];
  let child: ChildProcess | undefined;

  const start = async () => {
    child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO_ROOT, 'main.ts')], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        NODE_ENV: 'test',
        HOST: '127.0.0.1',
        PORT: String(port),
        DATA_DIR: dataDir,
        LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
        JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
        AUTH_USERS: TEST_AUTH_USERS,
        DATABASE_URL: servers.databaseUrl,
        REDIS_URL: servers.redis.url,
        TEMPORAL_ADDRESS: servers.temporal.address,
        // Every node runs a worker on the shared Temporal server, as the embedded default does.
        WORKFLOWS: 'embedded',
        MAX_OPEN_SESSIONS_PER_USER: '1000',
        // The rule-based responder's answers are known in advance; the in-process model's tests choose it.
        LLM_PROVIDERS: 'local',
        ...env,
      },
    });
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split('\n').filter(Boolean));
      lines.splice(0, Math.max(0, lines.length - 200));
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    const running = child;
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (running.exitCode !== null || running.signalCode !== null) break;
      const up = await fetch(`${url}/health`).then(
        (res) => res.ok,
        () => false,
      );
      if (up) return;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
    throw new Error(`node ${name} did not start:\n${lines.slice(-40).join('\n')}`);
  };
  const exit = (signal: NodeJS.Signals) => stopChild(child, signal);

  await start();
  return {
    name,
    url,
    wsUrl: `ws://127.0.0.1:${port}/graphql`,
    audioUrl: `ws://127.0.0.1:${port}/audio`,
    nodeId: async () => ((await (await fetch(`${url}/health`)).json()) as { node: string }).node,
    kill: () => exit('SIGKILL'),
    start,
    get running() {
      return child !== undefined && child.exitCode === null && child.signalCode === null;
    },
    stop: () => exit('SIGTERM'),
    dispose: async () => {
      await exit('SIGTERM');
      await rm(dataDir, { recursive: true, force: true });
    },
    output: () => lines.join('\n'),
  };
}
