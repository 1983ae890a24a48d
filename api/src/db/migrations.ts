import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';

/** A connection able to run multi-statement SQL (simple query protocol) and parameterised queries. */
export interface SqlRunner {
  exec(sql: string): Promise<void>;
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
}

export interface Migration {
  name: string;
  sql: string;
  checksum: string;
}

export const MIGRATIONS_DIR = path.resolve(import.meta.dirname, '../../../prisma/migrations');

/** Reads prisma/migrations/<name>/migration.sql in name order, as `prisma migrate deploy` does. */
export async function loadMigrations(dir = MIGRATIONS_DIR): Promise<Migration[]> {
  const entries = await readdir(dir, { withFileTypes: true });
  const names = entries
    .filter((e) => e.isDirectory())
    .map((e) => e.name)
    .sort();
  return Promise.all(
    names.map(async (name) => {
      const sql = await readFile(path.join(dir, name, 'migration.sql'), 'utf8');
      return { name, sql, checksum: createHash('sha256').update(sql).digest('hex') };
    }),
  );
}

// Same table and bookkeeping as Prisma's migrate engine, so `prisma migrate deploy` and `prisma migrate status`
// agree with what the app applied itself.
const MIGRATIONS_TABLE = `
CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

export class MigrationError extends Error {
  override readonly name = 'MigrationError';
}

/**
 * Applies pending migrations, each in its own transaction. Refuses to start when an applied migration's file
 * changed or an earlier run failed halfway: that needs a human, not a guess.
 */
export async function applyMigrations(db: SqlRunner, migrations: Migration[]): Promise<string[]> {
  await db.exec(MIGRATIONS_TABLE);
  const applied = await db.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
    `SELECT migration_name, checksum, finished_at FROM "_prisma_migrations" WHERE rolled_back_at IS NULL`,
  );
  const byName = new Map(applied.map((row) => [row.migration_name, row]));
  const ran: string[] = [];
  for (const migration of migrations) {
    const previous = byName.get(migration.name);
    if (previous) {
      if (!previous.finished_at) {
        throw new MigrationError(
          `Migration ${migration.name} failed earlier and is not finished; resolve it first`,
        );
      }
      if (previous.checksum !== migration.checksum) {
        throw new MigrationError(`Migration ${migration.name} was modified after it was applied`);
      }
      continue;
    }
    const id = randomUUID();
    await db.query(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)`, [
      id,
      migration.checksum,
      migration.name,
    ]);
    try {
      await db.exec(`BEGIN;\n${migration.sql}\nCOMMIT;`);
    } catch (err) {
      await db.exec('ROLLBACK').catch(() => undefined);
      await db.query(`UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1`, [id, String(err)]);
      throw new MigrationError(`Migration ${migration.name} failed: ${String(err)}`);
    }
    await db.query(
      `UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1`,
      [id],
    );
    ran.push(migration.name);
  }
  return ran;
}
