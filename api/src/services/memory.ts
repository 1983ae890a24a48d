import type { EmbeddingAdapter } from '../adapters/embedding/types';
import type { Database } from '../db/database';
import { MemoryRepository } from '../db/memory-repository';
import type { RankedMemory } from '../domain/memory-ranking';
import type { MemoryRecall } from '../realtime/ports';

/** Long-term memory as the rest of the app uses it: texts in, embedded and ranked by the configured adapter. */
export class MemoryService implements MemoryRecall {
  readonly repository: MemoryRepository;

  constructor(
    db: Database,
    readonly embedding: EmbeddingAdapter,
  ) {
    this.repository = new MemoryRepository(db);
  }

  /**
   * Memories relevant to what the user just said, for the prompt: ranked, within `tokenBudget`, and marked as
   * recalled (which keeps them from decaying). Returns [] for an empty query.
   */
  async recall(q: {
    userId: string;
    personaId: string;
    query: string;
    limit?: number;
    tokenBudget?: number;
    signal?: AbortSignal;
  }): Promise<RankedMemory[]> {
    if (q.query.trim() === '') return [];
    const [embedding] = await this.embedding.embed([q.query.slice(0, 2_000)], { signal: q.signal });
    const found = await this.repository.search({ ...q, embedding: embedding! });
    await this.repository.markAccessed(found.map((m) => m.id));
    return found;
  }

  /** The recalled memories as prompt lines. */
  async recallTexts(q: { userId: string; personaId: string; query: string }): Promise<string[]> {
    return (await this.recall(q)).map((m) => m.text);
  }
}
