import path from 'node:path';
import type { WorkflowBundleWithSourceMap } from '@temporalio/worker';
import type { Config } from '../../api/src/config';
import type { ActivityDeps } from './activities';
import { WorkflowsClient } from './client';
import { type DevServer, startDevServer } from './dev-server';
import { quietTemporalRuntime, type RunningWorker, startWorker } from './worker';

export interface WorkflowRuntime {
  /** Null when WORKFLOWS=off. */
  readonly client: WorkflowsClient | null;
  /** `embedded` (a dev server this process started), `remote` (TEMPORAL_ADDRESS) or `off`. */
  readonly mode: 'embedded' | 'remote' | 'off';
  stop(): Promise<void>;
}

/**
 * What app.ts calls: on the embedded default it starts a local Temporal dev server (SQLite under DATA_DIR, so
 * workflows survive restarts) and runs the worker in this process; with TEMPORAL_ADDRESS it only connects a client,
 * and the worker runs as its own service (docker-compose), unless WORKFLOWS=embedded asks for one here too.
 */
export async function startWorkflowRuntime(
  config: Config,
  deps: ActivityDeps,
  opts: { workflowBundle?: WorkflowBundleWithSourceMap } = {},
): Promise<WorkflowRuntime> {
  if (config.temporal.mode === 'off') return { client: null, mode: 'off', stop: async () => undefined };
  quietTemporalRuntime();
  let server: DevServer | undefined;
  let worker: RunningWorker | undefined;
  let client: WorkflowsClient | undefined;
  try {
    server = config.temporal.address
      ? undefined
      : await startDevServer({
          dbFilename: path.join(config.dataDir, 'temporal', 'temporal.db'),
          namespace: config.temporal.namespace,
        });
    const address = config.temporal.address ?? server!.address;
    if (server || config.temporal.mode === 'embedded') {
      worker = await startWorker({
        address,
        namespace: config.temporal.namespace,
        deps,
        workflowBundle: opts.workflowBundle,
      });
    }
    client = await WorkflowsClient.connect({ address, namespace: config.temporal.namespace, db: deps.db });
  } catch (err) {
    await worker?.stop();
    await server?.stop();
    throw err;
  }
  const ready = client;
  return {
    client: ready,
    mode: server ? 'embedded' : 'remote',
    async stop() {
      await ready.close();
      await worker?.stop();
      await server?.stop();
    },
  };
}
