import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import { FakeEmbedding } from '../adapters/embedding/testing/fake';
import type { Database } from '../db/database';
import { MemoryService } from './memory';

describe.each(DATABASE_KINDS)('memory service on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  let service: MemoryService;
  const embedder = new FakeEmbedding();

  beforeAll(async () => {
    db = database.db;
    service = new MemoryService(db, embedder);
  });

  async function store(userId: string, personaId: string, texts: string[]) {
    return service.repository.insert(
      texts.map((text) => ({
        userId,
        personaId,
        text,
        kind: 'FACT' as const,
        importance: 0.5,
        embedding: embedder.vectorOf(text),
      })),
    );
  }

  it('recalls for a prompt: embeds the query, returns relevant memories and marks them recalled', async () => {
    const a = await seedConversation(db);
    await store(a.userId, a.personaId, ['has a cat named Tom']);
    const found = await service.recall({
      userId: a.userId,
      personaId: a.personaId,
      query: 'what is the name of my cat',
    });
    expect(found.map((m) => m.text)).toEqual(['has a cat named Tom']);
    const stored = await db.prisma.memory.findFirstOrThrow({ where: { userId: a.userId } });
    expect(stored.lastAccessedAt).not.toBeNull();
    expect(await service.recall({ userId: a.userId, personaId: a.personaId, query: '   ' })).toEqual([]);
  });

  it('hands the pipeline prompt lines of what it recalled', async () => {
    const a = await seedConversation(db);
    await store(a.userId, a.personaId, ['plays the cello']);
    expect(
      await service.recallTexts({ userId: a.userId, personaId: a.personaId, query: 'who plays the cello' }),
    ).toEqual(['plays the cello']);
  });
});
