import { afterAll, describe, expect, it } from 'vitest';
import { usePostgresServer } from '../../test-support/postgres-server';
import { type Database, openDatabase } from './database';

describe('a PostgreSQL server that restarts under the app', () => {
  const postgres = usePostgresServer();
  let db: Database | undefined;
  afterAll(() => db?.close());

  it('loses its connections without an uncaught error, fails queries meanwhile, and works again after', async () => {
    const dropped: Error[] = [];
    db = await openDatabase({
      url: await postgres.server.createDatabase(),
      onConnectionError: (err) => dropped.push(err),
    });
    // Several idle pooled connections, as a busy node has.
    await Promise.all(Array.from({ length: 5 }, () => db!.sql.query('SELECT pg_sleep(0.05)')));
    await postgres.server.kill();
    await expect(db.ping()).rejects.toThrow();
    await postgres.server.restart();
    await expect
      .poll(
        () =>
          db!.ping().then(
            () => 'up',
            () => 'down',
          ),
        { timeout: 15_000 },
      )
      .toBe('up');
    const rows = await db.sql.query<{ n: number }>('SELECT 1 AS n');
    expect(rows).toEqual([{ n: 1 }]);
    // Regression: the pool's 'error' event for a dropped idle connection used to be uncaught (a crash).
    expect(dropped.length).toBeGreaterThan(0);
  }, 60_000);
});
