import path from 'node:path';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { type Config, loadConfig } from '../../api/src/config';
import { openDatabase } from '../../api/src/db/database';
import { createLogger } from '../../api/src/logger';
import { PlatformTracing } from '../../api/src/observability/tracing';
import { embeddingFor, summarizerFor } from '../../api/src/providers';
import { type Activities, type ActivityDeps, createActivities } from './activities';
import { TASK_QUEUE } from './shared';
import { WORKFLOW_TRACING_MODULE, workerTracing } from './tracing';

export const WORKFLOWS_PATH = path.resolve(import.meta.dirname, 'workflows/index.ts');

/** Bundling the workflow code costs seconds of CPU: do it once and share the bundle between workers. */
export function bundleWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: [WORKFLOW_TRACING_MODULE],
    logger: new DefaultLogger('WARN'),
  });
}

/**
 * The process's Temporal runtime: the SDK's own logs kept to warnings (or `level`) and, with `metrics`, its
 * worker metrics (task slots, polls, workflow and activity latencies) served for Prometheus at
 * `http://<host>:<port>/metrics`. Must run before the first connection or worker of the process.
 */
export function quietTemporalRuntime(
  level: 'WARN' | 'ERROR' = 'WARN',
  metrics?: { host: string; port: number },
): void {
  try {
    Runtime.install({
      logger: new DefaultLogger(level),
      telemetryOptions: metrics && {
        metrics: {
          prometheus: {
            bindAddress: `${metrics.host}:${metrics.port}`,
            countersTotalSuffix: true,
            useSecondsForDurations: true,
          },
        },
      },
    });
  } catch {
    // Already installed by an earlier call (or by the host application): keep that one.
  }
}

interface WorkerConnectionOptions {
  /** `host:port` of the Temporal frontend; ignored when `connection` is given. */
  address?: string;
  connection?: NativeConnection;
  namespace?: string;
  taskQueue?: string;
  /** A bundle from `bundleWorkflows()`; bundled on the spot when absent. */
  workflowBundle?: WorkflowBundleWithSourceMap;
  /** How long in-flight activities may finish after `stop()` before they are cancelled (default 5 s). */
  shutdownGraceTimeMs?: number;
  /** Workflows and activities traced (Temporal's OpenTelemetry interceptors) into this app's traces. */
  tracing?: PlatformTracing;
}

export interface RunningWorker {
  readonly worker: Worker;
  readonly taskQueue: string;
  /** Stops polling, lets in-flight work finish or cancels it, and closes a connection the worker opened itself. */
  stop(): Promise<void>;
}

/** Activities from their dependencies, or ready-made (wrapped with metrics, or scripted in tests). */
export type StartWorkerOptions = WorkerConnectionOptions &
  ({ deps: ActivityDeps } | { activities: Activities });

/** Runs the worker in this process (the API calls it on the embedded setup); resolves once it is polling. */
export async function startWorker(opts: StartWorkerOptions): Promise<RunningWorker> {
  const connection =
    opts.connection ?? (await NativeConnection.connect({ address: opts.address ?? '127.0.0.1:7233' }));
  const taskQueue = opts.taskQueue ?? TASK_QUEUE;
  const worker = await Worker.create({
    connection,
    namespace: opts.namespace ?? 'default',
    taskQueue,
    activities: 'activities' in opts ? opts.activities : createActivities(opts.deps),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath: WORKFLOWS_PATH }),
    shutdownGraceTime: opts.shutdownGraceTimeMs ?? 5_000,
    ...workerTracing(opts.tracing),
  });
  const running = worker.run();
  let stopped: Promise<void> | undefined;
  return {
    worker,
    taskQueue,
    stop: () => {
      stopped ??= (async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        if (!opts.connection) await connection.close();
      })();
      return stopped;
    },
  };
}

/** Where the Temporal runtime serves its metrics, when TEMPORAL_METRICS_PORT asks for them. */
export function temporalMetrics(config: Config): { host: string; port: number } | undefined {
  const port = config.temporal.metricsPort;
  return port === undefined ? undefined : { host: config.host, port };
}

/** Standalone worker (docker-compose): `tsx workflows/src/worker.ts`, with DATABASE_URL and TEMPORAL_ADDRESS. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.logLevel);
  if (!config.databaseUrl || !config.temporal.address) {
    // The embedded database lives inside the API process; only the API can run the worker then.
    throw new Error(
      'a standalone worker needs DATABASE_URL and TEMPORAL_ADDRESS (on the embedded setup the API runs it)',
    );
  }
  quietTemporalRuntime('WARN', temporalMetrics(config));
  const db = await openDatabase({ url: config.databaseUrl, migrate: false });
  const tracing = PlatformTracing.create({
    serviceName: config.tracing.serviceName,
    otlpEndpoint: config.tracing.otlpEndpoint,
  });
  const worker = await startWorker({
    address: config.temporal.address,
    namespace: config.temporal.namespace,
    tracing,
    deps: {
      db,
      embedding: await embeddingFor(config),
      summarize: summarizerFor(config),
      logger,
      exportMaxBytes: config.privacy.exportMaxBytes,
    },
  });
  logger.info({ taskQueue: worker.taskQueue, address: config.temporal.address }, 'temporal worker polling');
  const shutdown = async () => {
    await worker.stop();
    await tracing?.shutdown();
    await db.close();
    process.exit(0);
  };
  process.once('SIGTERM', () => void shutdown());
  process.once('SIGINT', () => void shutdown());
}

if (process.argv[1] && path.resolve(process.argv[1]) === path.resolve(import.meta.filename)) {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
