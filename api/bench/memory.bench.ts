/**
 * Long-term memory speed.
 * 1. Retrieval p95 (HNSW nearest neighbours + importance/recency re-ranking + token budget) with up to 100k stored
 *    memories of one user and persona (the worst case for the filter: every row qualifies, so the index must do the
 *    work), on embedded PGlite and on a PostgreSQL server (DATABASE_URL, else a throwaway PostgreSQL 16 with
 *    pgvector 0.6). Target ≤ 15 ms.
 *    Rows are generated inside the database (clustered random vectors, like topics); then the statistics are
 *    refreshed (ANALYZE), as autovacuum or the maintenance workflow would. `memory_<db>_n` says how many rows.
 * 2. Session summarization workflow end to end (start -> result) for a 50-turn session on a real Temporal dev server,
 *    with a zero-latency fake summarizer and the real local embedding model. Target ≤ 2 s.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowsClient } from '../../workflows/src/client';
import { startDevServer } from '../../workflows/src/dev-server';
import { bundleWorkflows, quietTemporalRuntime, startWorker } from '../../workflows/src/worker';
import { LocalOnnxEmbedding } from '../src/adapters/embedding/local-onnx';
import type { Summarizer } from '../src/adapters/summarizer/types';
import { loadConfig } from '../src/config';
import { type Database, openDatabase } from '../src/db/database';
import { MemoryRepository } from '../src/db/memory-repository';
import { startPostgresServer } from '../test-support/postgres-server';
import { seedConversation } from '../test-support/seed';
import { percentile, round } from './support';

/**
 * 100k memories of one owner take about 5 minutes to index in embedded PGlite on the 2-core machine (pgvector's
 * HNSW build in WebAssembly, single-threaded); the default measures 50k, which fits in about 2 minutes.
 */
const DEFAULT_MEMORIES = 50_000;
const CHUNK = 10_000;
const CLUSTERS = 500;
const QUERIES = 200;

async function benchRetrieval(
  db: Database,
  label: string,
  count: number,
  ownDatabase: boolean,
): Promise<Record<string, number | string>> {
  const user = await db.prisma.user.create({ data: { username: `bench-${randomUUID()}` } });
  const persona = await db.prisma.persona.create({
    data: { name: `bench-${randomUUID()}`, systemPrompt: 'bench' },
  });
  // A database of our own: load first, then build the migration's index once (three times faster than growing it
  // row by row). A configured server keeps its index: dropping it would rebuild it over everybody's memories.
  const rebuildIndex = ownDatabase;
  if (rebuildIndex) await db.sql.exec('DROP INDEX IF EXISTS "Memory_embedding_hnsw_idx"');
  // A plain table, not TEMP: on a real server each query may run on another pooled connection.
  const centers = `bench_centers_${randomUUID().replaceAll('-', '')}`;
  await db.sql.exec(`CREATE TABLE ${centers} AS
    SELECT c, (SELECT array_agg(random() - 0.5) FROM generate_series(1, 384) WHERE c >= 0) AS v
      FROM generate_series(0, ${CLUSTERS - 1}) c`);
  const loadStart = performance.now();
  let loaded = 0;
  while (loaded < count) {
    await db.sql.query(
      `INSERT INTO "Memory" ("id", "userId", "personaId", "text", "importance", "createdAt", "embedding", "updatedAt")
       SELECT $1 || g, $2, $3, 'bench memory ' || g, random(), now() - random() * interval '365 days',
              (SELECT array_agg(x + (random() - 0.5) * 0.6 ORDER BY o) FROM unnest(ce.v) WITH ORDINALITY AS t(x, o))::vector,
              now()
         FROM generate_series($4::int, $5::int) g JOIN ${centers} ce ON ce.c = g % ${CLUSTERS}`,
      [`${user.id}-`, user.id, persona.id, loaded, loaded + CHUNK - 1],
    );
    loaded += CHUNK;
  }
  const loadMs = performance.now() - loadStart;
  const indexStart = performance.now();
  if (rebuildIndex) {
    await db.sql.exec(`SET maintenance_work_mem = '512MB'`);
    await db.sql.exec(
      'CREATE INDEX "Memory_embedding_hnsw_idx" ON "Memory" USING hnsw ("embedding" vector_cosine_ops)',
    );
  }
  const indexMs = performance.now() - indexStart;
  const analyzeStart = performance.now();
  // Fresh statistics, as autovacuum (or the maintenance workflow on the embedded database) provides: without them
  // the planner cannot tell that this user owns most rows, and sorts them all instead of walking the index.
  await db.sql.exec('ANALYZE "Memory"');
  const analyzeMs = performance.now() - analyzeStart;

  const queries = await db.sql.query<{ v: string }>(
    `SELECT (SELECT array_agg(x + (random() - 0.5) * 0.6 ORDER BY o) FROM unnest(v) WITH ORDINALITY AS t(x, o))::vector::text AS v
       FROM ${centers} ORDER BY random() LIMIT ${QUERIES}`,
  );
  const repo = new MemoryRepository(db);
  await db.sql.exec(`DROP TABLE ${centers}`);
  const vectors = queries.map((q) => {
    const raw = JSON.parse(q.v) as number[];
    const norm = Math.hypot(...raw);
    return raw.map((x) => x / norm);
  });
  const plan = await db.sql.query<{ 'QUERY PLAN': string }>(
    `EXPLAIN SELECT "id" FROM "Memory" WHERE "userId" = $2 AND "personaId" = $3 AND "deletedAt" IS NULL
      ORDER BY "embedding" <=> $1::vector LIMIT 32`,
    [JSON.stringify(vectors[0]), user.id, persona.id],
  );
  const times: number[] = [];
  for (const [i, embedding] of [...vectors, ...vectors.slice(0, 10)].entries()) {
    const start = performance.now();
    await repo.search({ userId: user.id, personaId: persona.id, embedding, limit: 8, tokenBudget: 400 });
    if (i < vectors.length) times.push(performance.now() - start);
  }
  return {
    [`memory_${label}_n`]: loaded,
    [`memory_${label}_load_ms`]: Math.round(loadMs),
    [`memory_${label}_hnsw_build_ms`]: Math.round(indexMs),
    [`memory_${label}_analyze_ms`]: Math.round(analyzeMs),
    [`memory_${label}_uses_hnsw`]: plan.some((r) => r['QUERY PLAN'].includes('hnsw_idx')) ? 'yes' : 'no',
    [`memory_${label}_retrieval_p50_ms`]: round(percentile(times, 50)),
    [`memory_${label}_retrieval_p95_ms`]: round(percentile(times, 95)),
  };
}

async function benchSummarization(): Promise<Record<string, number | string>> {
  quietTemporalRuntime('ERROR');
  const [server, db, bundle, embedding] = await Promise.all([
    startDevServer(),
    openDatabase({}),
    bundleWorkflows(),
    LocalOnnxEmbedding.create(),
  ]);
  // Zero-latency "LLM": a fixed answer, so the number is the platform's own overhead plus real embedding and storage.
  const summarize: Summarizer = async (turns) => ({
    summary: `A conversation of ${turns.length} turns.`,
    memories: turns
      .filter((t) => t.role === 'USER')
      .slice(0, 8)
      .map((t, i) => ({ text: `Fact ${i}: ${t.text}`, kind: 'FACT' as const, importance: 0.6 })),
  });
  const logger = { info: () => undefined, warn: () => undefined };
  const worker = await startWorker({
    address: server.address,
    deps: { db, embedding, summarize, logger },
    workflowBundle: bundle,
  });
  const client = await WorkflowsClient.connect({ address: server.address, db });
  try {
    const turns = Array.from({ length: 50 }, (_, i) => ({
      role: i % 2 === 0 ? ('USER' as const) : ('ASSISTANT' as const),
      text:
        i % 2 === 0
          ? `I told you about topic number ${i}, which I care about.`
          : `That is interesting, tell me more about ${i}.`,
    }));
    const times: number[] = [];
    for (let run = 0; run < 6; run++) {
      const { sessionId } = await seedConversation(db, turns);
      const start = performance.now();
      await client.result(await client.startSessionSummary(sessionId));
      if (run > 0) times.push(performance.now() - start); // the first run warms up the worker and the model
    }
    return {
      summarization_50_turns_median_ms: Math.round(percentile(times, 50)),
      summarization_50_turns_max_ms: Math.round(Math.max(...times)),
    };
  } finally {
    await client.close();
    await worker.stop();
    await Promise.all([server.stop(), db.close()]);
  }
}

export async function benchMemory(
  opts: { memories?: number } = {},
): Promise<Record<string, number | string>> {
  const count = opts.memories ?? DEFAULT_MEMORIES;
  const results: Record<string, number | string> = {};
  const embedded = await openDatabase({});
  try {
    Object.assign(results, await benchRetrieval(embedded, 'embedded', count, true));
  } finally {
    await embedded.close();
  }
  // A server from DATABASE_URL, else a throwaway PostgreSQL 16 (the one the tests use).
  const configured = loadConfig().databaseUrl;
  const throwaway = configured ? undefined : await startPostgresServer();
  const server = await openDatabase({ url: configured ?? (await throwaway!.createDatabase()) });
  try {
    Object.assign(results, await benchRetrieval(server, 'postgres', count, !configured));
    // Leave a configured server as we found it: the bench rows belong to throwaway users.
    await server.sql.query(`DELETE FROM "User" WHERE "username" LIKE 'bench-%'`);
    await server.sql.query(`DELETE FROM "Persona" WHERE "name" LIKE 'bench-%'`);
  } finally {
    await server.close();
    await throwaway?.stop();
  }
  Object.assign(results, await benchSummarization());
  return results;
}
