import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { InferenceSession, Tensor } from 'onnxruntime-node';
import { AppError } from '../../errors';
import { EMBEDDING_DIMENSIONS, type EmbeddingAdapter } from './types';
import { assertEmbeddable } from './validate';
import { WordPieceTokenizer } from './wordpiece';

/** all-MiniLM-L6-v2, int8, pooling and normalisation inside the graph (see models/embedding/README.md). */
export const DEFAULT_EMBEDDING_MODEL_DIR = path.resolve(import.meta.dirname, '../../../../models/embedding');
const MODEL_FILE = 'all-minilm-l6-v2.int8.onnx';
/** The model was trained on sequences up to 256 word pieces; longer input is truncated like sentence-transformers does. */
const MAX_TOKENS = 256;

export interface LocalEmbeddingModel {
  session: InferenceSession;
  tokenizer: WordPieceTokenizer;
}

/** Loads the ONNX session and vocabulary once; share the result between adapters. */
export async function loadLocalEmbeddingModel(
  modelDir = DEFAULT_EMBEDDING_MODEL_DIR,
): Promise<LocalEmbeddingModel> {
  try {
    const [vocab, session] = await Promise.all([
      readFile(path.join(modelDir, 'vocab.txt'), 'utf8'),
      // One thread: the API shares the CPU with the voice pipeline, and memory texts are short.
      InferenceSession.create(path.join(modelDir, MODEL_FILE), {
        intraOpNumThreads: 1,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
      }),
    ]);
    if (!session.outputNames.includes('sentence_embedding')) {
      throw new Error(
        `model has no "sentence_embedding" output (outputs: ${session.outputNames.join(', ')})`,
      );
    }
    return { session, tokenizer: WordPieceTokenizer.fromVocabText(vocab) };
  } catch (cause) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    throw new AppError('UNAVAILABLE', `local embedding model in ${modelDir} could not be loaded: ${reason}`, {
      cause,
    });
  }
}

/** The embedded default: a real sentence-embedding model run in-process by onnxruntime-node. */
export class LocalOnnxEmbedding implements EmbeddingAdapter {
  readonly label = 'local:all-minilm-l6-v2';
  readonly dimensions = EMBEDDING_DIMENSIONS;

  constructor(private readonly model: LocalEmbeddingModel) {}

  static async create(modelDir?: string): Promise<LocalOnnxEmbedding> {
    return new LocalOnnxEmbedding(await loadLocalEmbeddingModel(modelDir));
  }

  async embed(texts: string[], opts: { signal?: AbortSignal } = {}): Promise<number[][]> {
    assertEmbeddable(texts);
    if (texts.length === 0) return [];
    const encoded = texts.map((text) => this.model.tokenizer.encode(text, MAX_TOKENS));
    const width = Math.max(...encoded.map((ids) => ids.length));
    const ids = new BigInt64Array(texts.length * width);
    const mask = new BigInt64Array(texts.length * width);
    encoded.forEach((row, r) => {
      row.forEach((id, c) => {
        ids[r * width + c] = BigInt(id);
        mask[r * width + c] = 1n;
      });
    });
    opts.signal?.throwIfAborted();
    const dims = [texts.length, width];
    const out = await this.model.session.run({
      input_ids: new Tensor('int64', ids, dims),
      attention_mask: new Tensor('int64', mask, dims),
    });
    const data = out.sentence_embedding?.data;
    if (!(data instanceof Float32Array))
      throw new AppError('INTERNAL', 'embedding model returned no float output');
    return texts.map((_, r) => Array.from(data.subarray(r * this.dimensions, (r + 1) * this.dimensions)));
  }
}
