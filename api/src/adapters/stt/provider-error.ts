import { AppError, ProviderError } from '../../errors';

/**
 * Whether another attempt (this provider again, or the next one in the failover chain) could succeed
 * after an HTTP status. Only complaints about the request itself say no: the same audio would fail again.
 */
export function retryableHttpStatus(status: number): boolean {
  return ![400, 413, 415, 422].includes(status);
}

/**
 * The error a transcription ends with: the caller's own abort stays an abort (it is not a provider
 * failure), our AppErrors pass through, and everything else becomes a ProviderError via `classify`.
 */
export function sttFailure(
  provider: string,
  err: unknown,
  signal: AbortSignal,
  classify: (err: unknown) => { message: string; retryable: boolean; timeout?: boolean },
): unknown {
  if (signal.aborted) return signal.reason;
  if (err instanceof AppError) return err;
  const { message, retryable, timeout } = classify(err);
  return new ProviderError(provider, message, { retryable, timeout, cause: err });
}
