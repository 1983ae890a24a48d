import pino from 'pino';

export type Logger = pino.Logger;

/** Structured JSON logs; child loggers carry sessionId and traceId so one grep follows a conversation. */
export function createLogger(level: string): Logger {
  return pino({ level, base: { service: 'avatar-api' }, timestamp: pino.stdTimeFunctions.isoTime });
}
