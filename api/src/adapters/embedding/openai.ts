import OpenAI from 'openai';
import { ProviderError } from '../../errors';
import { toProviderError } from '../openai-errors';
import { EMBEDDING_DIMENSIONS, type EmbeddingAdapter } from './types';
import { assertEmbeddable, normalize } from './validate';

export interface OpenAIEmbeddingOptions {
  /** e.g. `text-embedding-3-small`, which can shorten its vectors to the 384 dimensions our column stores. */
  model?: string;
  /** Any OpenAI-compatible endpoint. */
  baseURL?: string;
  apiKey?: string;
  label?: string;
  timeoutMs?: number;
  maxRetries?: number;
}

export class OpenAIEmbedding implements EmbeddingAdapter {
  readonly label: string;
  readonly dimensions = EMBEDDING_DIMENSIONS;
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(options: OpenAIEmbeddingOptions = {}) {
    this.model = options.model ?? 'text-embedding-3-small';
    this.label = options.label ?? `openai:${this.model}`;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      timeout: options.timeoutMs ?? 15_000,
      maxRetries: options.maxRetries ?? 2,
    });
  }

  async embed(texts: string[], opts: { signal?: AbortSignal } = {}): Promise<number[][]> {
    assertEmbeddable(texts);
    if (texts.length === 0) return [];
    let response: OpenAI.CreateEmbeddingResponse;
    try {
      response = await this.client.embeddings.create(
        { model: this.model, input: texts, dimensions: this.dimensions },
        { signal: opts.signal },
      );
    } catch (err) {
      throw toProviderError(this.label, err);
    }
    const byIndex = [...response.data].sort((a, b) => a.index - b.index);
    if (byIndex.length !== texts.length) {
      throw new ProviderError(this.label, `asked for ${texts.length} embeddings, got ${byIndex.length}`, {
        retryable: false,
      });
    }
    return byIndex.map(({ embedding }) => {
      if (embedding.length !== this.dimensions) {
        throw new ProviderError(
          this.label,
          `expected ${this.dimensions} dimensions, got ${embedding.length}`,
          {
            retryable: false,
          },
        );
      }
      // Shortened OpenAI vectors are not unit length; cosine ranking in pgvector does not care, dedupe thresholds do.
      return normalize(embedding);
    });
  }
}
