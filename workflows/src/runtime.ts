import path from 'node:path';
import type { Config } from '../../api/src/config';
import {
  BACKGROUND_OFF,
  type BackgroundDeps,
  type BackgroundRuntime,
} from '../../api/src/services/background';
import { WorkflowsClient } from './client';
import { type DevServer, startDevServer } from './dev-server';
import { quietTemporalRuntime, type RunningWorker, startWorker, temporalMetrics } from './worker';

/**
 * The API's background runtime (`StartBackground`): on the embedded default it starts a local Temporal dev server
 * (SQLite under DATA_DIR, so workflows survive restarts) and runs the worker in this process; with
 * TEMPORAL_ADDRESS it only connects a client, and the worker runs as its own service (docker-compose), unless
 * WORKFLOWS=embedded asks for one here too.
 */
export async function startWorkflowRuntime(config: Config, deps: BackgroundDeps): Promise<BackgroundRuntime> {
  if (config.temporal.mode === 'off') return BACKGROUND_OFF;
  quietTemporalRuntime('WARN', temporalMetrics(config));
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
        tracing: deps.tracing,
      });
    }
    client = await WorkflowsClient.connect({
      address,
      namespace: config.temporal.namespace,
      db: deps.db,
      tracing: deps.tracing,
    });
  } catch (err) {
    await worker?.stop();
    await server?.stop();
    throw err;
  }
  const ready = client;
  return {
    work: ready,
    mode: server ? 'embedded' : 'remote',
    async stop() {
      await ready.close();
      await worker?.stop();
      await server?.stop();
    },
  };
}
