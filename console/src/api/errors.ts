/** What the API's typed errors (`extensions.code`, `extensions.details.field`) look like to the console. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly code: string,
    /** The input field the error is about, without the `input.` prefix (e.g. `name`, `visemeMap`). */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** HTTP-like status react-admin understands (401 sends the admin back to sign-in). */
  get status(): number {
    return STATUS_BY_CODE[this.code] ?? 500;
  }
}

const STATUS_BY_CODE: Record<string, number> = {
  BAD_INPUT: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
};

interface GraphQLErrorShape {
  message: string;
  extensions?: { code?: string; details?: { field?: unknown } };
}

/**
 * The first GraphQL error as an ApiError. The API prefixes validation messages with the field path
 * (`input.name: required`); the console shows the field next to the input, so only the reason is kept.
 */
export function toApiError(errors: readonly { message: string; extensions?: unknown }[]): ApiError {
  const first = errors[0] as GraphQLErrorShape | undefined;
  if (!first) return new ApiError('Unknown error', 'INTERNAL');
  const code = first.extensions?.code ?? 'INTERNAL';
  const rawField = first.extensions?.details?.field;
  const path = typeof rawField === 'string' ? rawField.split('.') : [];
  const field = path[0] === 'input' ? path[1] : path[0];
  const message =
    typeof rawField === 'string' && first.message.startsWith(`${rawField}: `)
      ? first.message.slice(rawField.length + 2)
      : first.message;
  return new ApiError(message, code, field);
}
