/**
 * Pure ranking of long-term memories: relevance (cosine similarity) blended with importance and recency, then
 * fitted into the prompt's token budget. The repository fetches candidates by vector similarity; this decides.
 */

export interface MemoryCandidate {
  id: string;
  text: string;
  kind: string;
  importance: number;
  /** Cosine similarity to the query, in [-1, 1]. */
  similarity: number;
  createdAt: Date;
  lastAccessedAt: Date | null;
  sourceSessionId: string | null;
}

export interface RankedMemory extends MemoryCandidate {
  score: number;
  tokens: number;
}

export interface RankingWeights {
  similarity: number;
  importance: number;
  recency: number;
  /** Age at which recency halves. */
  recencyHalfLifeMs: number;
  /** Candidates below this similarity are not relevant whatever their importance. */
  minSimilarity: number;
}

export const DEFAULT_RANKING: RankingWeights = {
  similarity: 0.6,
  importance: 0.25,
  recency: 0.15,
  recencyHalfLifeMs: 30 * 24 * 3_600_000,
  minSimilarity: 0.2,
};

/** Similarity at or above which a new memory repeats an existing one (all-MiniLM paraphrases land around 0.85+). */
export const DEFAULT_DEDUPE_THRESHOLD = 0.9;

/** Rough token count (about four characters per token in English), plus the list marker the prompt adds. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4) + 2;
}

/** 1 for brand new, 0.5 after one half-life; a memory recalled recently counts as recent. */
export function recencyFactor(
  memory: Pick<MemoryCandidate, 'createdAt' | 'lastAccessedAt'>,
  now: Date,
  halfLifeMs: number,
): number {
  const last = Math.max(memory.createdAt.getTime(), memory.lastAccessedAt?.getTime() ?? 0);
  const age = Math.max(0, now.getTime() - last);
  return 0.5 ** (age / halfLifeMs);
}

export function scoreMemory(
  memory: MemoryCandidate,
  now: Date,
  weights: RankingWeights = DEFAULT_RANKING,
): number {
  return (
    weights.similarity * memory.similarity +
    weights.importance * clamp01(memory.importance) +
    weights.recency * recencyFactor(memory, now, weights.recencyHalfLifeMs)
  );
}

export interface RankOptions {
  now: Date;
  /** Most memories to return. */
  limit: number;
  /** Most tokens all returned memories may take together. */
  tokenBudget: number;
  weights?: RankingWeights;
}

/**
 * Best-scoring relevant memories that fit the budget together, best first. A memory too long for what is left
 * is skipped, not truncated, so a shorter relevant one can still take the space.
 */
export function rankMemories(candidates: MemoryCandidate[], opts: RankOptions): RankedMemory[] {
  const weights = opts.weights ?? DEFAULT_RANKING;
  const scored = candidates
    .filter((m) => m.similarity >= weights.minSimilarity)
    .map((m) => ({ ...m, score: scoreMemory(m, opts.now, weights), tokens: estimateTokens(m.text) }))
    .sort((a, b) => b.score - a.score || a.id.localeCompare(b.id));
  const picked: RankedMemory[] = [];
  let left = opts.tokenBudget;
  for (const memory of scored) {
    if (picked.length >= opts.limit) break;
    if (memory.tokens > left) continue;
    picked.push(memory);
    left -= memory.tokens;
  }
  return picked;
}

/**
 * How much a memory is still worth keeping: importance decayed by time since it was made or last recalled.
 * Computed from the stored importance each time (never written back), so repeated maintenance runs do not compound.
 */
export function retentionScore(
  memory: Pick<MemoryCandidate, 'importance' | 'createdAt' | 'lastAccessedAt'>,
  now: Date,
  halfLifeMs: number,
): number {
  return clamp01(memory.importance) * recencyFactor(memory, now, halfLifeMs);
}

function clamp01(value: number): number {
  return Math.min(1, Math.max(0, value));
}
