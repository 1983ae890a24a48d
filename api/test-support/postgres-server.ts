import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { chown, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { freePort } from '../../workflows/src/dev-server';
import { stopChild } from './child-process';

/** Where `scripts/setup.sh` unpacks PostgreSQL 16 with pgvector (from the PyPI pgserver wheel). */
const POSTGRES_BIN = path.resolve(import.meta.dirname, '../../.tools/pgserver/pgserver/pginstall/bin');
/** Postgres refuses to run as root; setup creates this user for it. */
const UNPRIVILEGED_USER = 'avatar-pg';

export interface PostgresServer {
  /** `postgres://postgres@127.0.0.1:<port>/postgres` */
  readonly url: string;
  readonly port: number;
  /** A new, empty database on this server; its URL. */
  createDatabase(): Promise<string>;
  /** Stops the server as a crash would (SIGKILL to the postmaster), keeping its data. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data after `kill()`. */
  restart(): Promise<void>;
  stop(): Promise<void>;
}

/**
 * Starts a real, throwaway PostgreSQL 16 server with pgvector on a free port, its data in a temp dir (no fsync:
 * tests do not need durability across power loss).
 */
export async function startPostgresServer(): Promise<PostgresServer> {
  const dir = await mkdtemp(path.join(tmpdir(), 'avatar-pg-'));
  const runAs: { uid?: number; gid?: number } = process.getuid?.() === 0 ? unprivilegedIds() : {};
  if (runAs.uid !== undefined && runAs.gid !== undefined) await chown(dir, runAs.uid, runAs.gid);
  const dataDir = path.join(dir, 'data');
  try {
    execFileSync(
      path.join(POSTGRES_BIN, 'initdb'),
      ['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--no-sync'],
      {
        ...runAs,
        stdio: 'pipe',
      },
    );
  } catch (err) {
    throw new Error(
      `cannot initialise PostgreSQL (run scripts/setup.sh): ${(err as { stderr?: Buffer }).stderr ?? err}`,
    );
  }
  const port = await freePort();
  const url = `postgres://postgres@127.0.0.1:${port}/postgres`;
  let child: ChildProcess | undefined;
  let databases = 0;

  const start = async () => {
    const args = ['-D', dataDir, '-p', String(port), '-k', dir, '-c', 'listen_addresses=127.0.0.1'];
    args.push('-c', 'fsync=off', '-c', 'max_connections=300');
    child = spawn(path.join(POSTGRES_BIN, 'postgres'), args, {
      ...runAs,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    await new Promise<void>((resolve, reject) => {
      const log: string[] = [];
      const timer = setTimeout(
        () => reject(new Error(`postgres did not start in 20 s:\n${log.join('')}`)),
        20_000,
      );
      child!.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`postgres exited with ${code}:\n${log.join('')}`));
      });
      child!.stderr!.setEncoding('utf8').on('data', (chunk: string) => {
        log.push(chunk);
        if (chunk.includes('database system is ready to accept connections')) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
  };
  const exit = (signal: NodeJS.Signals) => stopChild(child, signal);

  await start();
  return {
    url,
    port,
    createDatabase: async () => {
      const name = `test_${++databases}`;
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${name}`);
      } finally {
        await client.end();
      }
      return url.replace(/\/postgres$/, `/${name}`);
    },
    kill: () => exit('SIGKILL'),
    restart: start,
    stop: async () => {
      // SIGINT: "fast" shutdown, which ends open connections instead of waiting for them.
      await exit('SIGINT');
      await rm(dir, { recursive: true, force: true });
    },
  };
}

function unprivilegedIds(): { uid: number; gid: number } {
  try {
    const id = (flag: string) => Number(execFileSync('id', [flag, UNPRIVILEGED_USER]).toString().trim());
    return { uid: id('-u'), gid: id('-g') };
  } catch {
    throw new Error(`no user ${UNPRIVILEGED_USER} to run PostgreSQL as (run scripts/setup.sh as root)`);
  }
}

/**
 * For a test file: a real PostgreSQL server for the whole file, stopped afterwards. Read `.server` inside tests
 * (it exists once `beforeAll` ran).
 */
export function usePostgresServer(): { readonly server: PostgresServer } {
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    server = await startPostgresServer();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });
  return {
    get server() {
      if (!server) throw new Error('postgres is not started yet');
      return server;
    },
  };
}
