import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { print } from 'graphql';
import type WebSocket from 'ws';
import { type AppOverrides, buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';

/** The value below which `p` percent of `values` lie (nearest rank). */
export function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

export const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Speaks a 16 kHz utterance into an audio socket in real time, like a microphone: 20 ms of audio every 20 ms,
 * so the server is never behind.
 */
export async function speakInRealTime(socket: WebSocket, speech: Int16Array): Promise<void> {
  socket.send(JSON.stringify({ type: 'audio.start', sampleRate: 16_000, encoding: 'pcm16' }));
  const started = performance.now();
  for (let i = 0, n = 1; i < speech.length; i += 320, n++) {
    socket.send(Buffer.from(speech.slice(i, i + 320).buffer));
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, started + n * 20 - performance.now())));
  }
}

/**
 * The real app on a free port (embedded database, no workflows), signed in as an admin: benchmarks drive it
 * through HTTP and its sockets like clients do.
 */
export async function startBenchApp(opts: {
  env?: Record<string, string>;
  providers: NonNullable<AppOverrides['providers']>;
}) {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'avatar-bench-'));
  const database = await openDatabase({});
  const config = loadConfig({
    PORT: '0',
    LOG_LEVEL: 'silent',
    DATA_DIR: dataDir,
    WORKFLOWS: 'off',
    JWT_SECRET: 'bench-secret-that-is-long-enough-0123456789',
    AUTH_USERS: 'admin:pw:admin',
    ...opts.env,
  });
  const app = await buildApp(config, { database, providers: opts.providers });
  const { url } = await app.start();
  const token = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username: 'admin', password: 'pw' }),
  }).then(async (r) => ((await r.json()) as { accessToken: string }).accessToken);
  return {
    app,
    url,
    /** Runs an operation as the admin; throws on errors. */
    async gql<R>(doc: Parameters<typeof print>[0], variables: Record<string, unknown>): Promise<R> {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: print(doc), variables }),
      });
      const body = (await res.json()) as { data?: R; errors?: unknown[] };
      if (!body.data || body.errors) throw new Error(`GraphQL error: ${JSON.stringify(body.errors)}`);
      return body.data;
    },
    async stop() {
      await app.stop();
      await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
