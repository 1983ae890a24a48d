import { AppError } from '../errors';

/**
 * Per-user counts of this node's live connections (WebSockets of both kinds) and event subscriptions, so one
 * user cannot hold the node's sockets or fan-out to themselves. Counts are per node: a user spread over several
 * nodes gets the limit on each.
 */
export class ConnectionRegistry {
  private readonly sockets = new Map<string, number>();
  private readonly subscriptions = new Map<string, number>();

  constructor(private readonly limits: { socketsPerUser: number; subscriptionsPerUser: number }) {}

  /** Counts a new socket of the user; throws RATE_LIMITED when they hold the most allowed. */
  openSocket(userId: string): void {
    take(this.sockets, userId, this.limits.socketsPerUser, 'sockets');
  }

  closeSocket(userId: string): void {
    release(this.sockets, userId);
  }

  /** Counts a new subscription of the user; throws RATE_LIMITED when they hold the most allowed. */
  addSubscription(userId: string): void {
    take(this.subscriptions, userId, this.limits.subscriptionsPerUser, 'subscriptions');
  }

  removeSubscription(userId: string): void {
    release(this.subscriptions, userId);
  }

  /** Users with anything open, for tests and health reports. */
  get users(): number {
    return new Set([...this.sockets.keys(), ...this.subscriptions.keys()]).size;
  }
}

function take(counts: Map<string, number>, userId: string, limit: number, what: string): void {
  const held = counts.get(userId) ?? 0;
  if (held >= limit) {
    throw new AppError('RATE_LIMITED', `Too many open ${what} for this user (limit ${limit})`, {
      retryable: true,
      details: { limit: what, max: limit },
    });
  }
  counts.set(userId, held + 1);
}

function release(counts: Map<string, number>, userId: string): void {
  const held = (counts.get(userId) ?? 0) - 1;
  if (held > 0) counts.set(userId, held);
  else counts.delete(userId);
}
