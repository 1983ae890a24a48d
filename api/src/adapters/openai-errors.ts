import OpenAI from 'openai';
import { ProviderError, type ProviderFailure } from '../errors';

/**
 * Statuses that blame the request itself: the same input would fail at any provider. Everything else (rate
 * limits, 5xx, timeouts, dropped connections, but also 401/403/404, which blame this provider's key or model)
 * is worth another attempt or the next provider in the failover chain.
 */
const REQUEST_PROBLEMS = new Set([400, 413, 415, 422]);

/** The one reading of what the `openai` SDK (or the stream under it) threw, shared by every OpenAI adapter. */
export function classifyOpenAIError(err: unknown): ProviderFailure {
  if (err instanceof OpenAI.APIConnectionTimeoutError) {
    return { message: 'request timed out', retryable: true, timeout: true };
  }
  if (err instanceof OpenAI.APIConnectionError) {
    return { message: `connection failed: ${err.message}`, retryable: true };
  }
  if (err instanceof OpenAI.APIError && typeof err.status === 'number') {
    const retryAfter = err.headers?.get('retry-after');
    const hint = retryAfter ? ` (retry after ${retryAfter}s)` : '';
    return {
      message: `HTTP ${err.status}: ${err.message}${hint}`,
      retryable: !REQUEST_PROBLEMS.has(err.status),
    };
  }
  // Errors while reading the body (undici "terminated", socket resets, truncated SSE) surface as plain errors.
  const message = err instanceof Error ? err.message : String(err);
  return { message: `stream failed: ${message}`, retryable: true };
}

/** Maps what an OpenAI-compatible call threw to our `ProviderError`. */
export function toProviderError(provider: string, err: unknown): ProviderError {
  if (err instanceof ProviderError) return err;
  const { message, retryable, timeout } = classifyOpenAIError(err);
  return new ProviderError(provider, message, { retryable, timeout, cause: err });
}
