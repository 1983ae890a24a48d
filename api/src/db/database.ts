import { mkdir } from 'node:fs/promises';
import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { PrismaPg } from '@prisma/adapter-pg';
import pg from 'pg';
import { PrismaPGlite } from 'pglite-prisma-adapter';
import { PrismaClient } from '../generated/prisma/client';
import { applyMigrations, loadMigrations, type SqlRunner } from './migrations';

export interface Database {
  readonly prisma: PrismaClient;
  /** `embedded`: in-process PGlite with pgvector; `postgres`: a real server from DATABASE_URL. */
  readonly kind: 'embedded' | 'postgres';
  /** Runs raw SQL (vector search and other queries Prisma cannot express). */
  readonly sql: SqlRunner;
  /** Runs `fn` holding a cluster-wide advisory lock (a server only; the embedded database has one user). */
  lock?<T>(key: number, fn: () => Promise<T>): Promise<T>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

export interface DatabaseOptions {
  /** A postgres:// URL; when absent the embedded database is used. */
  url?: string;
  /** Folder for the embedded database; absent means in memory (tests). */
  dataDir?: string;
  /** Apply prisma/migrations at start-up (default true). */
  migrate?: boolean;
  onMigrated?: (names: string[]) => void;
  /** A server connection that failed while idle (logged; the pool reconnects). */
  onConnectionError?: (err: Error) => void;
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const db = opts.url
    ? await openPostgres(opts.url, opts.onConnectionError ?? (() => undefined))
    : await openEmbedded(opts.dataDir);
  if (opts.migrate ?? true) {
    try {
      const ran = await withMigrationLock(db, async () => applyMigrations(db.sql, await loadMigrations()));
      opts.onMigrated?.(ran);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  // The embedded database is one connection; a server's pooled connections are set as they open.
  if (db.kind === 'embedded') await db.sql.exec(VECTOR_SEARCH_SETTINGS);
  return db;
}

/**
 * Per connection: a filtered HNSW search (one user's memories among everyone's) must not come back short.
 * pgvector 0.8 keeps walking the graph until enough rows pass the filter (iterative scan); older versions (0.6
 * in the PyPI PostgreSQL the tests use) get a wider candidate list instead. The cast loads pgvector first, so
 * an unknown setting is an error here and not a placeholder it silently drops later.
 */
const VECTOR_SEARCH_SETTINGS = `DO $$ BEGIN
  PERFORM '[1]'::vector;
  SET hnsw.iterative_scan = 'relaxed_order';
EXCEPTION WHEN undefined_object THEN
  SET hnsw.ef_search = 400;
END $$`;

// Prisma's migrate engine takes this advisory lock too, so the app and `prisma migrate deploy` never race.
const MIGRATION_LOCK_KEY = 72707369;

async function withMigrationLock<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  return db.lock ? db.lock(MIGRATION_LOCK_KEY, fn) : fn();
}

async function openEmbedded(dataDir?: string): Promise<Database> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  const pglite = await PGlite.create({ dataDir, extensions: { vector } });
  // The adapter is typed against the PGlite its own package resolves; the runtime API it uses is the same.
  const prisma = new PrismaClient({
    adapter: new PrismaPGlite(pglite as unknown as ConstructorParameters<typeof PrismaPGlite>[0]),
  });
  const sql: SqlRunner = {
    exec: async (text) => {
      await pglite.exec(text);
    },
    query: async <T>(text: string, params?: unknown[]) => (await pglite.query<T>(text, params)).rows,
  };
  return {
    prisma,
    kind: 'embedded',
    sql,
    ping: async () => {
      await pglite.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await pglite.close();
    },
  };
}

async function openPostgres(url: string, onError: (err: Error) => void): Promise<Database> {
  const pool = new pg.Pool({
    connectionString: url,
    max: 10,
    // Before the connection's first query; before migrations created the extension it fails, harmlessly.
    onConnect: (client) =>
      client.query(VECTOR_SEARCH_SETTINGS).then(
        () => undefined,
        () => undefined,
      ),
  });
  // An idle connection that the server drops (a restart, a failover) must not become an uncaught 'error' event;
  // the pool replaces it, and queries meanwhile fail with a database error.
  pool.on('error', onError);
  await pool.query('SELECT 1');
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: SqlRunner = {
    // A script may open a transaction: a failure rolls it back on its own connection before that goes back.
    exec: async (text) => {
      const client = await pool.connect();
      try {
        await client.query(text);
      } catch (err) {
        await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      } finally {
        client.release();
      }
    },
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
  };
  return {
    prisma,
    kind: 'postgres',
    sql,
    // An advisory lock belongs to a connection: hold one for as long as `fn` runs.
    lock: async (key, fn) => {
      const client = await pool.connect();
      try {
        await client.query('SELECT pg_advisory_lock($1)', [key]);
        try {
          return await fn();
        } finally {
          await client.query('SELECT pg_advisory_unlock($1)', [key]);
        }
      } finally {
        client.release();
      }
    },
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await pool.end().catch(() => undefined);
    },
  };
}
