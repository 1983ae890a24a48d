import { beforeAll, describe, expect, it } from 'vitest';
import { BadInputError } from '../../errors';
import { LocalOnnxEmbedding } from './local-onnx';
import { MAX_EMBEDDING_TEXT_CHARS } from './validate';

const cosine = (a: number[], b: number[]) => a.reduce((sum, v, i) => sum + v * (b[i] ?? 0), 0);

describe('local all-MiniLM-L6-v2 embedding', () => {
  let model: LocalOnnxEmbedding;
  beforeAll(async () => {
    model = await LocalOnnxEmbedding.create();
  });

  it('scores paraphrases far above unrelated sentences', async () => {
    const [cat, kitten, pets, stocks, rain] = await model.embed([
      'My cat loves to sleep on the sofa.',
      'The kitten naps on the couch all day.',
      'I have two dogs and a cat at home.',
      'The central bank raised interest rates again.',
      'Heavy rain is expected tomorrow afternoon.',
    ]);
    const close = cosine(cat!, kitten!);
    expect(close).toBeGreaterThan(0.5);
    expect(close).toBeGreaterThan(cosine(cat!, stocks!) + 0.3);
    expect(close).toBeGreaterThan(cosine(cat!, rain!) + 0.3);
    expect(cosine(cat!, pets!)).toBeGreaterThan(cosine(cat!, stocks!));
  });

  it('returns unit vectors of 384 dimensions, independent of batch padding', async () => {
    const [alone] = await model.embed(['I prefer tea over coffee.']);
    const [padded] = await model.embed([
      'I prefer tea over coffee.',
      'a much longer sentence that forces padding of the first one',
    ]);
    expect(alone).toHaveLength(384);
    expect(Math.hypot(...alone!)).toBeCloseTo(1, 4);
    expect(Math.max(...alone!.map((v, i) => Math.abs(v - padded![i]!)))).toBeLessThan(1e-4);
  });

  it('matches the reference model on a known sentence', async () => {
    // First components of sentence-transformers' all-MiniLM-L6-v2 for "hello world" (fp32); int8 weights drift slightly.
    const [hello] = await model.embed(['hello world']);
    const reference = [-0.0345, 0.031, 0.0067, 0.0261, -0.0394];
    expect(reference.map((v, i) => Math.abs(hello![i]! - v)).every((d) => d < 0.01)).toBe(true);
  });

  it('rejects empty and oversized texts with a typed error', async () => {
    await expect(model.embed(['  '])).rejects.toBeInstanceOf(BadInputError);
    await expect(model.embed(['x'.repeat(MAX_EMBEDDING_TEXT_CHARS + 1)])).rejects.toBeInstanceOf(
      BadInputError,
    );
  });
});
