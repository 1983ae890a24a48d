import { BadInputError } from '../../errors';

/** Longest text one embedding call accepts; longer memories must be summarized first, not silently cut. */
export const MAX_EMBEDDING_TEXT_CHARS = 8_000;
/** Most texts per call: keeps one request bounded for every provider. */
export const MAX_EMBEDDING_BATCH = 256;

/** The same input rules for every provider, so swapping providers never changes which inputs are accepted. */
export function assertEmbeddable(texts: string[]): void {
  if (texts.length > MAX_EMBEDDING_BATCH) {
    throw new BadInputError(`at most ${MAX_EMBEDDING_BATCH} texts per embedding call, got ${texts.length}`, {
      field: 'texts',
    });
  }
  texts.forEach((text, index) => {
    if (text.trim().length === 0)
      throw new BadInputError('cannot embed an empty text', { field: 'texts', index });
    if (text.length > MAX_EMBEDDING_TEXT_CHARS) {
      throw new BadInputError(`text longer than ${MAX_EMBEDDING_TEXT_CHARS} characters`, {
        field: 'texts',
        index,
        length: text.length,
      });
    }
  });
}

export function normalize(vector: number[]): number[] {
  const norm = Math.hypot(...vector);
  return norm > 0 ? vector.map((v) => v / norm) : vector;
}
