import { PothosValidationError } from '@pothos/core';
import { GraphQLError } from 'graphql';
import { AppError, toErrorExtensions } from '../errors';
import { Prisma } from '../generated/prisma/client';

/** Known database failures a client caused, as typed errors; everything else stays masked. */
function fromKnownCauses(err: unknown): AppError | undefined {
  // Malformed global IDs, bad pagination arguments.
  if (err instanceof PothosValidationError) return new AppError('BAD_INPUT', err.message);
  // An OIDC token that failed verification (jsonwebtoken / jwks-rsa errors from @envelop/auth0).
  if (
    err instanceof Error &&
    /^(JsonWebTokenError|TokenExpiredError|NotBeforeError|SigningKeyNotFoundError)$/.test(err.name)
  ) {
    return new AppError(
      'UNAUTHENTICATED',
      err.name === 'TokenExpiredError' ? 'Token expired' : 'Invalid token',
    );
  }
  if (!(err instanceof Prisma.PrismaClientKnownRequestError)) return undefined;
  const model = String(err.meta?.modelName ?? 'record');
  // Driver adapters report some failures with Prisma's code (P2002) and others with Postgres's SQLSTATE (23505).
  if (err.code === 'P2002' || err.code === '23505') {
    const target = err.meta?.target;
    const field = Array.isArray(target) ? String(target[0]) : typeof target === 'string' ? target : undefined;
    return new AppError(
      'CONFLICT',
      `A ${model} with ${field ? `this ${field}` : 'these values'} already exists`,
      {
        details: field ? { field } : undefined,
      },
    );
  }
  if (err.code === 'P2025') return new AppError('NOT_FOUND', `${model} not found`);
  return undefined;
}

/**
 * The one mapping from errors to what GraphQL clients see: AppErrors keep their code, message and details;
 * anything unexpected becomes INTERNAL with a generic message (and is logged by the caller).
 */
export function maskError(error: unknown, fallbackMessage: string): GraphQLError {
  // Resolver errors arrive wrapped (sometimes twice) in GraphQLErrors.
  let original: unknown = error;
  while (original instanceof GraphQLError && original.originalError) original = original.originalError;
  const appError = original instanceof AppError ? original : fromKnownCauses(original);
  if (appError) {
    return new GraphQLError(appError.message, {
      nodes: error instanceof GraphQLError ? error.nodes : undefined,
      path: error instanceof GraphQLError ? error.path : undefined,
      extensions: toErrorExtensions(appError),
      // Kept (never sent) so that masking the result again, as graphql-ws's onError does, changes nothing.
      originalError: appError,
    });
  }
  // Errors raised by GraphQL itself (syntax, validation, unknown fields, variables of the wrong type, whose
  // cause is the scalar's own GraphQLError) are the client's and are safe and useful as they are.
  if (error instanceof GraphQLError && (!error.originalError || original instanceof GraphQLError)) {
    return new GraphQLError(error.message, {
      nodes: error.nodes,
      path: error.path,
      extensions: { ...error.extensions, code: 'BAD_INPUT', retryable: false },
    });
  }
  return new GraphQLError(fallbackMessage, {
    nodes: error instanceof GraphQLError ? error.nodes : undefined,
    path: error instanceof GraphQLError ? error.path : undefined,
    extensions: { code: 'INTERNAL', retryable: false },
  });
}
