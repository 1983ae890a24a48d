import OpenAI from 'openai';
import { toProviderError } from '../openai-errors';

export interface RemoteModerationResult {
  flagged: boolean;
  /** The first category the provider flagged, when any. */
  category?: string;
}

export interface RemoteModerator {
  readonly label: string;
  check(text: string, signal?: AbortSignal): Promise<RemoteModerationResult>;
}

export interface OpenAIModerationOptions {
  baseURL?: string;
  apiKey?: string;
  model?: string;
  /** Moderation sits in front of speech: a slow provider must not hold the avatar's answer for long. */
  timeoutMs?: number;
}

/** OpenAI's moderation endpoint (or a compatible one), used in addition to the local classifier when configured. */
export class OpenAIModerator implements RemoteModerator {
  readonly label: string;
  private readonly client: OpenAI;
  private readonly model: string;

  constructor(options: OpenAIModerationOptions = {}) {
    this.model = options.model ?? 'omni-moderation-latest';
    this.label = `openai-moderation:${this.model}`;
    this.client = new OpenAI({
      baseURL: options.baseURL,
      apiKey: options.apiKey ?? 'not-needed',
      timeout: options.timeoutMs ?? 3_000,
      maxRetries: 0,
    });
  }

  async check(text: string, signal?: AbortSignal): Promise<RemoteModerationResult> {
    try {
      const response = await this.client.moderations.create({ model: this.model, input: text }, { signal });
      const result = response.results[0];
      if (!result?.flagged) return { flagged: false };
      const category = Object.entries(result.categories).find(([, hit]) => hit === true)?.[0];
      return { flagged: true, category: category ?? 'flagged' };
    } catch (err) {
      throw toProviderError(this.label, err);
    }
  }
}
