import type { Duplex } from 'node:stream';
import { AppError, type ErrorCode, toErrorExtensions } from '../errors';

/** The HTTP status each error code answers with, on every HTTP surface (routes, body limits, socket upgrades). */
const STATUS: Partial<Record<ErrorCode, [number, string]>> = {
  BAD_INPUT: [400, 'Bad Request'],
  UNAUTHENTICATED: [401, 'Unauthorized'],
  FORBIDDEN: [403, 'Forbidden'],
  NOT_FOUND: [404, 'Not Found'],
  CONFLICT: [409, 'Conflict'],
  SESSION_ENDED: [410, 'Gone'],
  TOO_LARGE: [413, 'Payload Too Large'],
  RATE_LIMITED: [429, 'Too Many Requests'],
  UNAVAILABLE: [503, 'Service Unavailable'],
};

export function httpStatus(err: unknown): [number, string] {
  return (err instanceof AppError && STATUS[err.code]) || [500, 'Internal Server Error'];
}

/** `{ error: { code, retryable, details?, message } }`: the body of every HTTP error we answer. */
export function errorBody(err: unknown): string {
  const message = err instanceof AppError ? err.message : 'Unexpected error';
  return JSON.stringify({ error: { ...toErrorExtensions(err), message } });
}

/** Answers a WebSocket upgrade with an HTTP error instead of switching protocols. */
export function rejectUpgrade(socket: Duplex, err: unknown): void {
  const [status, text] = httpStatus(err);
  const body = errorBody(err);
  if (!socket.destroyed) {
    socket.end(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
}
