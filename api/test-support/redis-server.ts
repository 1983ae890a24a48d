import { type ChildProcess, spawn } from 'node:child_process';
import { Redis } from 'ioredis';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../workflows/src/dev-server';
import { stopChild } from './child-process';

export interface RedisServer {
  url: string;
  port: number;
  /** Stops it and starts it again on the same port, empty (no persistence): a Redis restart. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/** Starts a real, throwaway redis-server (Debian package) on a free port, without persistence. */
export async function startRedisServer(): Promise<RedisServer> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const started = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child = started;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('redis-server did not start within 10 s')), 10_000);
      started.once('error', (err) => {
        clearTimeout(timer);
        reject(new Error(`cannot start redis-server (is the Debian package installed?): ${err.message}`));
      });
      started.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('Ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  };
  await start();
  return {
    url: `redis://127.0.0.1:${port}`,
    port,
    restart: async () => {
      await stopChild(child, 'SIGTERM');
      await start();
    },
    stop: () => stopChild(child, 'SIGTERM'),
  };
}

/**
 * For a test file: a real redis-server for the whole file and a connected ioredis client, closed afterwards.
 * Read `.client` inside tests (it exists once `beforeAll` ran).
 */
export function useRedisServer(): { readonly client: Redis } {
  let server: RedisServer | undefined;
  let client: Redis | undefined;
  beforeAll(async () => {
    server = await startRedisServer();
    client = new Redis(server.port, '127.0.0.1');
  });
  afterAll(async () => {
    client?.disconnect();
    await server?.stop();
  });
  return {
    get client() {
      if (!client) throw new Error('redis-server is not started yet');
      return client;
    },
  };
}
