/** Dimension of the `Memory.embedding` column; every embedding adapter returns vectors of this size. */
export const EMBEDDING_DIMENSIONS = 384;

export interface EmbeddingAdapter {
  readonly label: string;
  readonly dimensions: number;
  /** One unit-length vector per input text, in order. */
  embed(texts: string[], opts?: { signal?: AbortSignal }): Promise<number[][]>;
}
