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
}

export async function openDatabase(opts: DatabaseOptions): Promise<Database> {
  const db = opts.url ? await openPostgres(opts.url) : await openEmbedded(opts.dataDir);
  if (opts.migrate ?? true) {
    try {
      const ran = await withMigrationLock(db, async () => applyMigrations(db.sql, await loadMigrations()));
      opts.onMigrated?.(ran);
    } catch (err) {
      await db.close();
      throw err;
    }
  }
  return db;
}

// Prisma's migrate engine takes this advisory lock too, so the app and `prisma migrate deploy` never race.
const MIGRATION_LOCK_KEY = 72707369;

async function withMigrationLock<T>(db: Database, fn: () => Promise<T>): Promise<T> {
  if (db.kind === 'embedded') return fn();
  await db.sql.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
  try {
    return await fn();
  } finally {
    await db.sql.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
  }
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

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // A dedicated client keeps advisory locks and multi-statement migrations on one connection.
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  const prisma = new PrismaClient({ adapter: new PrismaPg(pool) });
  const sql: SqlRunner = {
    exec: async (text) => {
      await admin.query(text);
    },
    query: async <T>(text: string, params?: unknown[]) => (await pool.query(text, params)).rows as T[],
  };
  return {
    prisma,
    kind: 'postgres',
    sql,
    ping: async () => {
      await pool.query('SELECT 1');
    },
    close: async () => {
      await prisma.$disconnect();
      await admin.end();
      await pool.end().catch(() => undefined);
    },
  };
}
