import type { Logger } from './logger';

let escaped = 0;

/** Errors that reached the process level since start: a bug each (every promise is handled where it is made). */
export function escapedErrorCount(): number {
  return escaped;
}

/**
 * Logs and counts what still escapes instead of letting one bad input stop the node and every session on it.
 * The process keeps serving: a node restart would drop every live conversation, which is worse than one broken
 * request. The count is on /health; the aim is zero.
 */
export function catchEscapedErrors(logger: Logger): void {
  process.on('unhandledRejection', (reason) => {
    escaped++;
    logger.error({ err: reason }, 'unhandled promise rejection (a bug: it should have been handled)');
  });
  process.on('uncaughtException', (err) => {
    escaped++;
    logger.error({ err }, 'uncaught exception (a bug: it should have been handled)');
  });
}
