import { type ChildProcess, spawn } from 'node:child_process';
import { access, constants, mkdir } from 'node:fs/promises';
import { createServer, Socket } from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';

/** Where `scripts/setup.sh` builds the `temporal` CLI. */
export const DEFAULT_TEMPORAL_CLI = path.resolve(import.meta.dirname, '../../.tools/bin/temporal');

export interface DevServerOptions {
  /** Path to the `temporal` CLI (default: .tools/bin/temporal, or TEMPORAL_CLI). */
  executable?: string;
  /** gRPC port; a free one when absent. */
  port?: number;
  /** SQLite file that keeps workflows across restarts; in memory when absent (tests). */
  dbFilename?: string;
  namespace?: string;
  /** How long to wait for the server to accept connections. */
  startTimeoutMs?: number;
  /** Where the server's own stderr goes (it logs warnings only); discarded when absent. */
  onLog?: (line: string) => void;
}

export interface DevServer {
  /** `127.0.0.1:<port>`, for `NativeConnection.connect` / `Connection.connect`. */
  readonly address: string;
  readonly namespace: string;
  stop(): Promise<void>;
}

/**
 * Runs a real Temporal server (`temporal server start-dev`) as a child process, for the embedded default and for
 * tests. Resolves once the frontend answers gRPC, so workers and clients can connect at once.
 */
export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  const executable = opts.executable ?? process.env.TEMPORAL_CLI ?? DEFAULT_TEMPORAL_CLI;
  try {
    await access(executable, constants.X_OK);
  } catch {
    throw new Error(`Temporal CLI not found at ${executable}: run scripts/setup.sh, or set TEMPORAL_ADDRESS`);
  }
  const port = opts.port ?? (await freePort());
  const namespace = opts.namespace ?? 'default';
  const args = ['server', 'start-dev', '--headless', '--ip', '127.0.0.1', '--port', String(port)];
  args.push('--http-port', String(await freePort()), '--metrics-port', String(await freePort()));
  args.push('--log-level', 'warn', '--namespace', namespace);
  if (opts.dbFilename) {
    await mkdir(path.dirname(opts.dbFilename), { recursive: true });
    args.push('--db-filename', opts.dbFilename);
  }
  const child = spawn(executable, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  const stderr: string[] = [];
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    for (const line of chunk.split('\n').filter(Boolean)) {
      stderr.push(line);
      if (stderr.length > 50) stderr.shift();
      opts.onLog?.(line);
    }
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const address = `127.0.0.1:${port}`;
  try {
    await waitUntilServing(address, namespace, exited, opts.startTimeoutMs ?? 60_000);
  } catch (err) {
    await kill(child, exited);
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${stderr.join('\n')}`);
  }
  let stopping: Promise<void> | undefined;
  return {
    address,
    namespace,
    stop: () => {
      stopping ??= kill(child, exited);
      return stopping;
    },
  };
}

async function waitUntilServing(
  address: string,
  namespace: string,
  exited: Promise<number | null>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let processExit: number | null | undefined;
  void exited.then((code) => {
    processExit = code;
  });
  while (Date.now() < deadline) {
    if (processExit !== undefined)
      throw new Error(`temporal dev server exited with code ${processExit} before serving`);
    if (await portOpen(address)) {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 }).catch(() => undefined);
      if (connection) {
        try {
          // The port opens before the namespace is registered; wait for the namespace itself.
          await connection.workflowService.describeNamespace({ namespace });
          return;
        } catch {
          // not ready yet
        } finally {
          await connection.close();
        }
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`temporal dev server at ${address} did not start within ${timeoutMs} ms`);
}

function portOpen(address: string): Promise<boolean> {
  const [host, port] = address.split(':');
  return new Promise((resolve) => {
    const socket = new Socket();
    socket.setTimeout(500);
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.connect(Number(port), host ?? '127.0.0.1');
  });
}

async function kill(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
  await exited;
  clearTimeout(timer);
}

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
