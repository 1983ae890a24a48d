import { AppError, ProviderError, type ProviderFailure } from '../../errors';

/**
 * The error a transcription ends with: the caller's own abort stays an abort (it is not a provider
 * failure), our AppErrors pass through, and everything else becomes a ProviderError via `classify`.
 */
export function sttFailure(
  provider: string,
  err: unknown,
  signal: AbortSignal,
  classify: (err: unknown) => ProviderFailure,
): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof AppError) return err;
  const { message, retryable, timeout } = classify(err);
  return new ProviderError(provider, message, { retryable, timeout, cause: err });
}
