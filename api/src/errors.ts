/**
 * One error hierarchy for the whole API. Every error a client can see carries a stable `code`
 * and says whether retrying could help; the session decides to fail over, retry or end the turn.
 */
export const ERROR_CODES = [
  'BAD_INPUT',
  'NOT_FOUND',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'CONFLICT',
  'RATE_LIMITED',
  'SESSION_ENDED',
  'SLOW_CONSUMER',
  'TOO_LARGE',
  'PROVIDER_ERROR',
  'PROVIDER_TIMEOUT',
  'UNAVAILABLE',
  'INTERNAL',
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const isErrorCode = (code: unknown): code is ErrorCode => ERROR_CODES.includes(code as ErrorCode);

export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details?: Record<string, unknown>;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { retryable?: boolean; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable ?? false;
    this.details = opts.details;
  }
}

/** The typed code of any error: an unknown one is INTERNAL. */
export function errorCode(err: unknown): ErrorCode {
  return err instanceof AppError ? err.code : 'INTERNAL';
}

/** Redis (shared by every node) did not answer: the caller may try again once it is back. */
export function redisUnavailable(cause: unknown): AppError {
  return new AppError('UNAVAILABLE', 'The shared session store (Redis) is unreachable', {
    retryable: true,
    cause,
  });
}

/** A write (events, turns) from a node that no longer owns the session: refused, so a stale owner cannot write. */
export class StaleWriterError extends AppError {
  constructor(sessionId: string) {
    super('CONFLICT', 'Another node owns this session now', { details: { sessionId } });
    this.name = 'StaleWriterError';
  }
}

export class BadInputError extends AppError {
  constructor(message: string, details?: { field?: string; [key: string]: unknown }) {
    super('BAD_INPUT', message, { details });
    this.name = 'BadInputError';
  }
}

export class NotFoundError extends AppError {
  constructor(entity: string, id: string) {
    super('NOT_FOUND', `${entity} ${id} not found`, { details: { entity, id } });
    this.name = 'NotFoundError';
  }
}

export class UnauthenticatedError extends AppError {
  constructor(message = 'Authentication required') {
    super('UNAUTHENTICATED', message);
    this.name = 'UnauthenticatedError';
  }
}

export class ForbiddenError extends AppError {
  constructor(message = 'Not allowed') {
    super('FORBIDDEN', message);
    this.name = 'ForbiddenError';
  }
}

/** How an adapter reads a provider's failure before it becomes a `ProviderError`. */
export interface ProviderFailure {
  message: string;
  /** Another attempt, or the next provider in the failover chain, could succeed. */
  retryable: boolean;
  timeout?: boolean;
}

/** A speech/LLM provider failed; `retryable` tells the failover wrapper whether the next provider should try. */
export class ProviderError extends AppError {
  readonly provider: string;
  constructor(
    provider: string,
    message: string,
    opts: { retryable?: boolean; cause?: unknown; timeout?: boolean } = {},
  ) {
    super(opts.timeout ? 'PROVIDER_TIMEOUT' : 'PROVIDER_ERROR', `${provider}: ${message}`, {
      retryable: opts.retryable ?? true,
      cause: opts.cause,
      details: { provider },
    });
    this.name = 'ProviderError';
    this.provider = provider;
  }
}

/** GraphQL `extensions` for an error: the only shape clients see. Unknown errors are masked. */
export function toErrorExtensions(err: unknown): {
  code: ErrorCode;
  retryable: boolean;
  details?: Record<string, unknown>;
} {
  if (err instanceof AppError) return { code: err.code, retryable: err.retryable, details: err.details };
  return { code: 'INTERNAL', retryable: false };
}
