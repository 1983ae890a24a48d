import OpenAI from 'openai';
import { ProviderError } from '../errors';

/** HTTP statuses where another attempt (or the next provider) can succeed; the rest are our own mistakes. */
const RETRYABLE_STATUSES = new Set([408, 409, 429]);

/**
 * Maps whatever the `openai` SDK (or the stream under it) threw to our `ProviderError`, deciding `retryable`
 * once for every OpenAI-compatible adapter: rate limits, 5xx, timeouts and dropped connections are worth
 * a failover; bad requests, auth and unknown models are not.
 */
export function toProviderError(provider: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return new ProviderError(provider, 'request timed out', { timeout: true, retryable: true, cause: err });
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return new ProviderError(provider, `connection failed: ${err.message}`, { retryable: true, cause: err });
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const retryAfter = err.headers?.get('retry-after');
    const hint = retryAfter ? ` (retry after ${retryAfter}s)` : '';
    const retryable = RETRYABLE_STATUSES.has(err.status) || err.status >= 500;
    return new ProviderError(provider, `HTTP ${err.status}: ${err.message}${hint}`, {
      retryable,
      cause: err,
    });
  }
  // Errors while reading the body (undici "terminated", socket resets, truncated SSE) surface as plain errors.
  const message = err instanceof Error ? err.message : String(err);
  return new ProviderError(provider, `stream failed: ${message}`, { retryable: true, cause: err });
}
