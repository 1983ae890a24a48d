import { createHash } from 'node:crypto';
import pino from 'pino';

export type Logger = pino.Logger;

/**
 * Structured JSON logs. The pipeline's lines carry sessionId, userId, responseId and the turn's traceId/spanId,
 * so one grep (or the trace id from Jaeger) follows a conversation.
 */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'avatar-api' }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** How log lines name a user: the id, or (LOG_ANONYMIZE) a stable hash, still enough to follow one user. */
export function logUserId(anonymize: boolean): (userId: string) => string {
  if (!anonymize) return (userId) => userId;
  return (userId) => `anon-${createHash('sha256').update(userId).digest('hex').slice(0, 16)}`;
}
