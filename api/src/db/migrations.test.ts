import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { usePostgresServer } from '../../test-support/postgres-server';
import { getDatamodel } from '../generated/pothos-types';
import { type Database, openDatabase } from './database';
import { applyMigrations, loadMigrations, MIGRATIONS_DIR, MigrationError } from './migrations';

const PG_TYPE: Record<string, string> = {
  String: 'text',
  Int: 'integer',
  Float: 'double precision',
  Boolean: 'boolean',
  DateTime: 'timestamp without time zone',
  Json: 'jsonb',
  BigInt: 'bigint',
};

const LIST_UDT: Record<string, string> = { String: 'text', Int: 'int4', Float: 'float8', Boolean: 'bool' };

interface Column {
  table_name: string;
  column_name: string;
  data_type: string;
  udt_name: string;
  is_nullable: 'YES' | 'NO';
}

describe.each(DATABASE_KINDS)('migrations on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  beforeAll(() => {
    db = database.db;
  });

  it('agree with schema.prisma: every model field is a column of the right type and nullability', async () => {
    const columns = await db.sql.query<Column>(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations'`,
    );
    const actual = new Map(columns.map((c) => [`${c.table_name}.${c.column_name}`, c]));
    const expected = new Set<string>();
    for (const [model, { fields }] of Object.entries(getDatamodel().datamodel.models)) {
      for (const field of fields) {
        if (field.kind === 'object') continue;
        const key = `${model}.${field.name}`;
        expected.add(key);
        const column = actual.get(key);
        expect(column, `${key} has no column`).toBeDefined();
        const type = field.kind === 'enum' ? field.type : PG_TYPE[field.type];
        if (field.isList) {
          expect(column?.data_type, key).toBe('ARRAY');
          expect(column?.udt_name, key).toBe(`_${field.kind === 'enum' ? field.type : LIST_UDT[field.type]}`);
        } else if (field.kind === 'enum') {
          expect(column?.udt_name, key).toBe(type);
        } else {
          expect(column?.data_type, key).toBe(type);
        }
        // Prisma leaves list columns nullable in SQL (it guards them in the client).
        expect(column?.is_nullable, key).toBe(field.isRequired && !field.isList ? 'NO' : 'YES');
      }
    }
    // Unsupported("vector(N)") fields are invisible to the datamodel: check them against the schema text.
    const schema = await readFile(path.join(MIGRATIONS_DIR, '..', 'schema.prisma'), 'utf8');
    for (const match of schema.matchAll(
      /model (\w+) \{[^}]*?\n\s+(\w+)\s+Unsupported\("vector\((\d+)\)"\)/g,
    )) {
      const [, model, field] = match;
      const column = actual.get(`${model}.${field}`);
      expect(column?.udt_name).toBe('vector');
      expected.add(`${model}.${field}`);
    }
    const extra = [...actual.keys()].filter((key) => !expected.has(key));
    expect(extra, 'columns that schema.prisma does not declare').toEqual([]);
  });

  it('records applied migrations like prisma migrate does and skips them on the next start', async () => {
    const rows = await db.sql.query<{
      migration_name: string;
      finished_at: Date | null;
      applied_steps_count: number;
    }>('SELECT migration_name, finished_at, applied_steps_count FROM "_prisma_migrations"');
    const names = (await loadMigrations()).map((m) => m.name);
    expect(rows.map((r) => r.migration_name)).toEqual(names);
    expect(rows.every((r) => r.finished_at !== null && r.applied_steps_count === 1)).toBe(true);
    expect(await applyMigrations(db.sql, await loadMigrations())).toEqual([]);
  });

  it('refuses to start when an applied migration file was edited', async () => {
    const [first, ...rest] = await loadMigrations();
    const edited = { ...first!, checksum: 'not-the-same' };
    await expect(applyMigrations(db.sql, [edited, ...rest])).rejects.toThrow(MigrationError);
  });

  it('has a working HNSW index for cosine search on memory embeddings', async () => {
    const [index] = await db.sql.query<{ indexdef: string }>(
      `SELECT indexdef FROM pg_indexes WHERE tablename = 'Memory' AND indexdef LIKE '%hnsw%'`,
    );
    expect(index?.indexdef).toContain('vector_cosine_ops');
  });
});

describe('migrations on a PostgreSQL server shared by several nodes', () => {
  const postgres = usePostgresServer();
  const opened: Database[] = [];
  afterAll(() => Promise.all(opened.map((db) => db.close())));

  it('are applied once when four nodes start at the same moment (the advisory lock serialises them)', async () => {
    const url = await postgres.server.createDatabase();
    const ran: string[][] = [];
    opened.push(
      ...(await Promise.all(
        Array.from({ length: 4 }, () => openDatabase({ url, onMigrated: (names) => ran.push(names) })),
      )),
    );
    const names = (await loadMigrations()).map((m) => m.name);
    expect(ran.flat().sort()).toEqual([...names].sort());
    const rows = await opened[0]!.sql.query<{ n: string }>('SELECT count(*) AS n FROM "_prisma_migrations"');
    expect(Number(rows[0]!.n)).toBe(names.length);
  });
});
