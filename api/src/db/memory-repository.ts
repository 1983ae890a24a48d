import { randomUUID } from 'node:crypto';
import { EMBEDDING_DIMENSIONS } from '../adapters/embedding/types';
import {
  DEFAULT_DEDUPE_THRESHOLD,
  type MemoryCandidate,
  type RankedMemory,
  type RankingWeights,
  rankMemories,
} from '../domain/memory-ranking';
import { BadInputError, NotFoundError } from '../errors';
import type { MemoryKind } from '../generated/prisma/client';
import type { Database } from './database';

export const MAX_MEMORY_TEXT_CHARS = 2_000;

export interface NewMemory {
  userId: string;
  personaId: string;
  text: string;
  kind: MemoryKind;
  importance: number;
  embedding: number[];
  sourceSessionId?: string | null;
}

export interface InsertResult {
  inserted: { id: string; text: string }[];
  /** New memories that repeated an existing one; the existing one was kept (and its importance raised). */
  duplicates: { text: string; existingId: string; similarity: number }[];
}

export interface MemorySearch {
  userId: string;
  personaId: string;
  embedding: number[];
  limit?: number;
  tokenBudget?: number;
  now?: Date;
  weights?: RankingWeights;
  /** Nearest neighbours fetched before re-ranking by importance and recency. */
  candidates?: number;
}

/** Postgres drivers may hand numeric columns back as strings; they are converted after the query. */
type CandidateRow = Omit<MemoryCandidate, 'importance' | 'similarity'> & {
  importance: number | string;
  similarity: number | string;
};

/** pgvector's input format: a JSON array literal cast with `::vector`. */
export function toVectorLiteral(embedding: number[]): string {
  return JSON.stringify(embedding);
}

const CANDIDATE_COLUMNS = `"id", "text", "kind"::text AS "kind", "importance", "createdAt", "lastAccessedAt", "sourceSessionId"`;

/** Long-term memory storage: the only place that writes or searches `Memory.embedding`. */
export class MemoryRepository {
  constructor(private readonly db: Database) {}

  /** Ranked memories for a prompt: nearest by cosine distance through the HNSW index, then importance and recency. */
  async search(q: MemorySearch): Promise<RankedMemory[]> {
    const limit = q.limit ?? 8;
    const rows = await this.nearest(
      q.userId,
      q.personaId,
      q.embedding,
      q.candidates ?? Math.max(limit * 4, 20),
    );
    return rankMemories(rows, {
      now: q.now ?? new Date(),
      limit,
      tokenBudget: q.tokenBudget ?? 400,
      weights: q.weights,
    });
  }

  /** Nearest live memories of one user and persona; `similarity` is 1 - cosine distance. */
  async nearest(
    userId: string,
    personaId: string,
    embedding: number[],
    k: number,
  ): Promise<MemoryCandidate[]> {
    const rows = await this.db.sql.query<CandidateRow>(
      `SELECT ${CANDIDATE_COLUMNS}, 1 - ("embedding" <=> $1::vector) AS "similarity"
         FROM "Memory"
        WHERE "userId" = $2 AND "personaId" = $3 AND "deletedAt" IS NULL AND "embedding" IS NOT NULL
        ORDER BY "embedding" <=> $1::vector
        LIMIT $4`,
      [toVectorLiteral(embedding), userId, personaId, k],
    );
    return rows.map((r) => ({ ...r, similarity: Number(r.similarity), importance: Number(r.importance) }));
  }

  /**
   * Stores memories, skipping any that repeat a live memory of the same user and persona (or an earlier one in
   * the same batch) at or above `dedupeThreshold`. Re-running with the same input inserts nothing: activities
   * that call it can be retried safely.
   */
  async insert(memories: NewMemory[], dedupeThreshold = DEFAULT_DEDUPE_THRESHOLD): Promise<InsertResult> {
    const result: InsertResult = { inserted: [], duplicates: [] };
    for (const memory of memories) {
      validateMemory(memory);
      const [closest] = await this.nearest(memory.userId, memory.personaId, memory.embedding, 1);
      if (closest && closest.similarity >= dedupeThreshold) {
        result.duplicates.push({ text: memory.text, existingId: closest.id, similarity: closest.similarity });
        // Hearing the same thing again is evidence it matters.
        await this.db.sql.query(
          `UPDATE "Memory" SET "importance" = GREATEST("importance", $2), "updatedAt" = now() WHERE "id" = $1`,
          [closest.id, memory.importance],
        );
        continue;
      }
      const id = randomUUID();
      await this.db.sql.query(
        `INSERT INTO "Memory" ("id", "userId", "personaId", "text", "kind", "importance", "embedding", "sourceSessionId", "updatedAt")
         VALUES ($1, $2, $3, $4, $5::"MemoryKind", $6, $7::vector, $8, now())`,
        [
          id,
          memory.userId,
          memory.personaId,
          memory.text,
          memory.kind,
          memory.importance,
          toVectorLiteral(memory.embedding),
          memory.sourceSessionId ?? null,
        ],
      );
      result.inserted.push({ id, text: memory.text });
    }
    return result;
  }

  /** Records that memories were put into a prompt, which keeps them from decaying. */
  async markAccessed(ids: string[], at = new Date()): Promise<void> {
    if (ids.length === 0) return;
    await this.db.sql.query(`UPDATE "Memory" SET "lastAccessedAt" = $2 WHERE "id" = ANY($1::text[])`, [
      ids,
      at,
    ]);
  }

  async setImportance(id: string, importance: number): Promise<void> {
    if (!(importance >= 0 && importance <= 1))
      throw new BadInputError('importance must be between 0 and 1', { field: 'importance' });
    const rows = await this.db.sql.query<{ id: string }>(
      `UPDATE "Memory" SET "importance" = $2, "updatedAt" = now() WHERE "id" = $1 AND "deletedAt" IS NULL RETURNING "id"`,
      [id, importance],
    );
    if (rows.length === 0) throw new NotFoundError('Memory', id);
  }

  /** Soft delete: retrieval ignores it at once; maintenance purges it later. */
  async softDelete(id: string, at = new Date()): Promise<void> {
    const rows = await this.db.sql.query<{ id: string }>(
      `UPDATE "Memory" SET "deletedAt" = COALESCE("deletedAt", $2), "updatedAt" = now() WHERE "id" = $1 RETURNING "id"`,
      [id, at],
    );
    if (rows.length === 0) throw new NotFoundError('Memory', id);
  }

  /** Hard-deletes soft-deleted memories; returns how many rows went. */
  async purgeDeleted(before = new Date()): Promise<number> {
    const rows = await this.db.sql.query<{ id: string }>(
      `DELETE FROM "Memory" WHERE "deletedAt" IS NOT NULL AND "deletedAt" <= $1 RETURNING "id"`,
      [before],
    );
    return rows.length;
  }

  /**
   * Refreshes planner statistics for the memory table. The embedded database has no autovacuum: without fresh
   * statistics the planner cannot tell a user with 100k memories (walk the HNSW index) from one with 50 (sort them).
   */
  async refreshStatistics(): Promise<void> {
    await this.db.sql.exec('ANALYZE "Memory"');
  }

  /** Live memories of a user and persona, oldest first, for maintenance (decay, re-summarizing). */
  async listLive(userId: string, personaId: string): Promise<Omit<MemoryCandidate, 'similarity'>[]> {
    const rows = await this.db.sql.query<Omit<CandidateRow, 'similarity'>>(
      `SELECT ${CANDIDATE_COLUMNS} FROM "Memory"
        WHERE "userId" = $1 AND "personaId" = $2 AND "deletedAt" IS NULL
        ORDER BY "createdAt", "id"`,
      [userId, personaId],
    );
    return rows.map((r) => ({ ...r, importance: Number(r.importance) }));
  }

  /** Every (user, persona) pair that has live memories. */
  async owners(): Promise<{ userId: string; personaId: string }[]> {
    return this.db.sql.query(
      `SELECT DISTINCT "userId", "personaId" FROM "Memory" WHERE "deletedAt" IS NULL ORDER BY "userId", "personaId"`,
    );
  }

  async softDeleteMany(ids: string[], at = new Date()): Promise<number> {
    if (ids.length === 0) return 0;
    const rows = await this.db.sql.query<{ id: string }>(
      `UPDATE "Memory" SET "deletedAt" = $2, "updatedAt" = now() WHERE "id" = ANY($1::text[]) AND "deletedAt" IS NULL RETURNING "id"`,
      [ids, at],
    );
    return rows.length;
  }
}

function validateMemory(memory: NewMemory): void {
  if (memory.text.trim() === '') throw new BadInputError('memory text is empty', { field: 'text' });
  if (memory.text.length > MAX_MEMORY_TEXT_CHARS) {
    throw new BadInputError(`memory text longer than ${MAX_MEMORY_TEXT_CHARS} characters`, { field: 'text' });
  }
  if (!(memory.importance >= 0 && memory.importance <= 1)) {
    throw new BadInputError('importance must be between 0 and 1', { field: 'importance' });
  }
  if (memory.embedding.length !== EMBEDDING_DIMENSIONS || memory.embedding.some((v) => !Number.isFinite(v))) {
    throw new BadInputError(`embedding must be ${EMBEDDING_DIMENSIONS} finite numbers`, {
      field: 'embedding',
    });
  }
}
