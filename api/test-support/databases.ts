import { afterAll, beforeAll } from 'vitest';
import { type Database, openDatabase } from '../src/db/database';
import { type PostgresServer, startPostgresServer } from './postgres-server';

/** What the store runs on: the embedded default (PGlite) and a real PostgreSQL server (DATABASE_URL). */
export const DATABASE_KINDS = ['embedded', 'postgres'] as const;
export type DatabaseKind = (typeof DATABASE_KINDS)[number];

/**
 * For a test file or describe block: a migrated, empty database of the given kind, closed afterwards (a real
 * server is started for it and stopped). Read `.db` inside tests.
 */
export function useTestDatabase(kind: DatabaseKind): { readonly db: Database } {
  let db: Database | undefined;
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    if (kind === 'embedded') {
      db = await openDatabase({});
      return;
    }
    server = await startPostgresServer();
    db = await openDatabase({ url: await server.createDatabase() });
  }, 60_000);
  afterAll(async () => {
    await db?.close();
    await server?.stop();
  });
  return {
    get db() {
      if (!db) throw new Error('the test database is not open yet');
      return db;
    },
  };
}
