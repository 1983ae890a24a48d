/**
 * The platform process: the API (`api/`) with, on the embedded default, its background worker (`workflows/`)
 * in the same process. The only place the two packages meet; `api/` itself never imports `workflows/`.
 */
import { buildApp } from './api/src/app';
import { loadConfig } from './api/src/config';
import { catchEscapedErrors } from './api/src/escaped-errors';
import { startWorkflowRuntime } from './workflows/src/runtime';

async function main() {
  const config = loadConfig();
  const app = await buildApp(config, { background: startWorkflowRuntime });
  catchEscapedErrors(app.logger);
  await app.start();
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.logger.info({ signal }, 'shutting down');
    await app.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
  process.exit(1);
});
