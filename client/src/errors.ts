/**
 * One error type for everything the client can fail at, with a code to switch on and `retryable` when trying
 * again may work (the server's GraphQL error codes pass through unchanged, e.g. `UNAUTHENTICATED`, `BAD_INPUT`).
 */
export type ClientErrorCode =
  /** The user (or the browser's policy) refused the microphone. */
  | 'MICROPHONE_DENIED'
  /** No microphone, or it could not be opened. */
  | 'MICROPHONE_UNAVAILABLE'
  /** Web Audio is missing here (e.g. Node): playback and capture need a browser. */
  | 'AUDIO_UNSUPPORTED'
  /** The network or the server could not be reached. */
  | 'NETWORK'
  /** The audio socket closed for good (the server refused the stream or the session ended). */
  | 'AUDIO_SOCKET_CLOSED'
  /** The server answered the audio socket with a protocol error (the `error` message's code is in `details`). */
  | 'AUDIO_PROTOCOL'
  | (string & {});

export class AvatarClientError extends Error {
  override readonly name = 'AvatarClientError';
  constructor(
    readonly code: ClientErrorCode,
    message: string,
    readonly retryable = false,
    readonly details: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

/** A GraphQL error as the API sends it: `extensions.code` and `extensions.retryable`. */
export function fromGraphqlErrors(
  errors: readonly { message: string; extensions?: Record<string, unknown> }[],
): AvatarClientError {
  const first = errors[0];
  const code = typeof first?.extensions?.code === 'string' ? first.extensions.code : 'GRAPHQL';
  return new AvatarClientError(
    code,
    errors.map((e) => e.message).join('; ') || 'GraphQL error',
    first?.extensions?.retryable === true,
    { ...first?.extensions },
  );
}
