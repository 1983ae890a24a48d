import { describe, expect, it } from 'vitest';
import {
  DEFAULT_RANKING,
  estimateTokens,
  type MemoryCandidate,
  rankMemories,
  retentionScore,
} from './memory-ranking';

const now = new Date('2026-06-01T00:00:00Z');
const day = 86_400_000;

function memory(id: string, over: Partial<MemoryCandidate> = {}): MemoryCandidate {
  return {
    id,
    text: `memory ${id}`,
    kind: 'FACT',
    importance: 0.5,
    similarity: 0.6,
    createdAt: now,
    lastAccessedAt: null,
    sourceSessionId: null,
    ...over,
  };
}

describe('memory ranking', () => {
  it('prefers the more similar memory when everything else is equal', () => {
    const ranked = rankMemories([memory('a', { similarity: 0.4 }), memory('b', { similarity: 0.8 })], {
      now,
      limit: 5,
      tokenBudget: 1_000,
    });
    expect(ranked.map((m) => m.id)).toEqual(['b', 'a']);
  });

  it('lets importance and recency break near-ties in similarity', () => {
    const old = memory('old', {
      similarity: 0.62,
      importance: 0.2,
      createdAt: new Date(now.getTime() - 365 * day),
    });
    const fresh = memory('fresh', { similarity: 0.6, importance: 0.9 });
    expect(rankMemories([old, fresh], { now, limit: 5, tokenBudget: 1_000 })[0]!.id).toBe('fresh');
  });

  it('drops memories below the relevance floor however important they are', () => {
    const ranked = rankMemories(
      [memory('x', { similarity: DEFAULT_RANKING.minSimilarity - 0.05, importance: 1 })],
      {
        now,
        limit: 5,
        tokenBudget: 1_000,
      },
    );
    expect(ranked).toEqual([]);
  });

  it('fits the token budget, skipping a long memory for shorter ones that fit', () => {
    const long = memory('long', { similarity: 0.9, text: 'x'.repeat(400) });
    const short1 = memory('s1', { similarity: 0.7, text: 'likes tea' });
    const short2 = memory('s2', { similarity: 0.6, text: 'lives in Oslo' });
    const budget = estimateTokens('likes tea') + estimateTokens('lives in Oslo');
    const ranked = rankMemories([long, short1, short2], { now, limit: 5, tokenBudget: budget });
    expect(ranked.map((m) => m.id)).toEqual(['s1', 's2']);
    expect(ranked.reduce((sum, m) => sum + m.tokens, 0)).toBeLessThanOrEqual(budget);
  });

  it('respects the limit', () => {
    const many = Array.from({ length: 10 }, (_, i) => memory(`m${i}`));
    expect(rankMemories(many, { now, limit: 3, tokenBudget: 1_000 })).toHaveLength(3);
  });

  it('decays retention with time since last recall, not since creation', () => {
    const created = new Date(now.getTime() - 60 * day);
    const forgotten = retentionScore(
      { importance: 0.8, createdAt: created, lastAccessedAt: null },
      now,
      30 * day,
    );
    const recalled = retentionScore(
      { importance: 0.8, createdAt: created, lastAccessedAt: now },
      now,
      30 * day,
    );
    expect(forgotten).toBeCloseTo(0.2, 5);
    expect(recalled).toBeCloseTo(0.8, 5);
  });
});
