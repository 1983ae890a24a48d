import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import { FakeEmbedding } from '../adapters/embedding/testing/fake';
import { BadInputError, NotFoundError } from '../errors';
import type { Database } from './database';
import { MemoryRepository } from './memory-repository';

describe.each(DATABASE_KINDS)('memory repository on %s Postgres with pgvector', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  let repo: MemoryRepository;
  const embedder = new FakeEmbedding();
  const vec = (text: string) => embedder.vectorOf(text);

  beforeAll(async () => {
    db = database.db;
    repo = new MemoryRepository(db);
  });

  async function store(userId: string, personaId: string, texts: string[], importance = 0.5) {
    return repo.insert(
      texts.map((text) => ({
        userId,
        personaId,
        text,
        kind: 'FACT' as const,
        importance,
        embedding: vec(text),
      })),
    );
  }

  it('returns the nearest memories of that user and persona only, with their source session', async () => {
    const a = await seedConversation(db);
    const other = await seedConversation(db, [], { personaId: a.personaId });
    await repo.insert([
      {
        userId: a.userId,
        personaId: a.personaId,
        text: 'likes green tea in the morning',
        kind: 'PREFERENCE',
        importance: 0.6,
        embedding: vec('likes green tea in the morning'),
        sourceSessionId: a.sessionId,
      },
    ]);
    await store(a.userId, a.personaId, ['has a dog called Rex', 'works as a nurse in Oslo']);
    await store(other.userId, a.personaId, ['likes green tea a lot']);

    const found = await repo.search({
      userId: a.userId,
      personaId: a.personaId,
      embedding: vec('green tea morning'),
      limit: 1,
    });
    expect(found.map((m) => m.text)).toEqual(['likes green tea in the morning']);
    expect(found[0]!.sourceSessionId).toBe(a.sessionId);
    const none = await repo.search({
      userId: a.userId,
      personaId: (await seedConversation(db)).personaId,
      embedding: vec('green tea'),
    });
    expect(none).toEqual([]);
  });

  it('skips a memory that repeats an existing one, also within one batch, and inserts nothing on re-run', async () => {
    const a = await seedConversation(db);
    const first = await store(a.userId, a.personaId, [
      'plays the violin',
      'Plays the violin!',
      'lives in Bergen',
    ]);
    expect(first.inserted.map((m) => m.text)).toEqual(['plays the violin', 'lives in Bergen']);
    expect(first.duplicates).toHaveLength(1);
    const again = await store(a.userId, a.personaId, ['plays the violin', 'lives in Bergen'], 0.9);
    expect(again.inserted).toEqual([]);
    const live = await repo.listLive(a.userId, a.personaId);
    expect(live).toHaveLength(2);
    expect(live.every((m) => m.importance === 0.9)).toBe(true);
  });

  it('hides soft-deleted memories from retrieval at once and purges them later', async () => {
    const a = await seedConversation(db);
    const { inserted } = await store(a.userId, a.personaId, ['allergic to peanuts']);
    await repo.softDelete(inserted[0]!.id);
    expect(
      await repo.search({ userId: a.userId, personaId: a.personaId, embedding: vec('allergic to peanuts') }),
    ).toEqual([]);
    expect(await repo.purgeDeleted()).toBeGreaterThanOrEqual(1);
    await expect(repo.softDelete(inserted[0]!.id)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('fits retrieval within the token budget', async () => {
    const a = await seedConversation(db);
    await store(a.userId, a.personaId, [
      'enjoys hiking in the mountains',
      `enjoys hiking ${'and long walks '.repeat(40)}`,
    ]);
    const found = await repo.search({
      userId: a.userId,
      personaId: a.personaId,
      embedding: vec('enjoys hiking'),
      tokenBudget: 20,
    });
    expect(found.map((m) => m.text)).toEqual(['enjoys hiking in the mountains']);
  });

  it('rejects empty or oversized text, bad importance and unknown ids with typed errors', async () => {
    const a = await seedConversation(db);
    await expect(store(a.userId, a.personaId, ['  '])).rejects.toBeInstanceOf(BadInputError);
    await expect(store(a.userId, a.personaId, ['x'.repeat(5_000)])).rejects.toBeInstanceOf(BadInputError);
    await expect(store(a.userId, a.personaId, ['ok'], 3)).rejects.toBeInstanceOf(BadInputError);
    await expect(repo.setImportance('no-such-id', 0.5)).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers nearest-neighbour queries through the HNSW index', async () => {
    await db.sql.exec('SET enable_seqscan = off');
    const plan = await db.sql.query<{ 'QUERY PLAN': string }>(
      `EXPLAIN SELECT "id" FROM "Memory" ORDER BY "embedding" <=> $1::vector LIMIT 5`,
      [JSON.stringify(vec('tea'))],
    );
    await db.sql.exec('RESET enable_seqscan');
    expect(plan.map((r) => r['QUERY PLAN']).join('\n')).toContain('Memory_embedding_hnsw_idx');
  });

  it("finds one user's few memories among many of other users' (a filtered HNSW search does not come back short)", async () => {
    const crowd = await seedConversation(db);
    const few = await seedConversation(db, [], { personaId: crowd.personaId });
    await store(
      crowd.userId,
      crowd.personaId,
      Array.from({ length: 600 }, (_, i) => `the crowd remembers thing ${i}`),
    );
    await store(few.userId, few.personaId, ['owns a red bicycle', 'lives by the sea', 'plays the cello']);
    await db.sql.exec('SET enable_seqscan = off');
    const found = await repo.nearest(few.userId, few.personaId, vec('the crowd remembers thing 7'), 3);
    await db.sql.exec('RESET enable_seqscan');
    expect(found.map((m) => m.text).sort()).toEqual([
      'lives by the sea',
      'owns a red bicycle',
      'plays the cello',
    ]);
  });
});
