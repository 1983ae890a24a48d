import { EMBEDDING_DIMENSIONS, type EmbeddingAdapter } from '../types';
import { assertEmbeddable, normalize } from '../validate';

export interface FakeEmbeddingOptions {
  dimensions?: number;
  /** Thrown by every call while set (a provider outage). */
  error?: Error;
  latencyMs?: number;
}

/**
 * Deterministic bag-of-words embedder: each lower-cased word is hashed into a few signed buckets, so texts that
 * share words are similar and identical texts are identical. Good enough for ranking and dedupe tests.
 */
export class FakeEmbedding implements EmbeddingAdapter {
  readonly label = 'fake-embedding';
  readonly dimensions: number;
  readonly calls: string[][] = [];
  error?: Error;
  latencyMs: number;

  constructor(opts: FakeEmbeddingOptions = {}) {
    this.dimensions = opts.dimensions ?? EMBEDDING_DIMENSIONS;
    this.error = opts.error;
    this.latencyMs = opts.latencyMs ?? 0;
  }

  async embed(texts: string[], opts: { signal?: AbortSignal } = {}): Promise<number[][]> {
    assertEmbeddable(texts);
    this.calls.push(texts);
    if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
    opts.signal?.throwIfAborted();
    if (this.error) throw this.error;
    return texts.map((text) => this.vectorOf(text));
  }

  vectorOf(text: string): number[] {
    const vector: number[] = new Array<number>(this.dimensions).fill(0);
    for (const word of text.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []) {
      for (let seed = 0; seed < 3; seed++) {
        const h = fnv1a(`${seed}:${word}`);
        vector[h % this.dimensions]! += h & 0x80000000 ? -1 : 1;
      }
    }
    if (Math.hypot(...vector) === 0) vector[0] = 1;
    return normalize(vector);
  }
}

function fnv1a(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash;
}
