import { AppError } from '../errors';
import { LocalCounts, type SharedCounts } from './shared-counts';

/**
 * Per-user counts of live connections (WebSockets of both kinds) and event subscriptions, so one user cannot
 * hold the platform's sockets or fan-out to themselves. With Redis the counts span every node: a user spread over
 * several nodes gets the limit once, not once per node.
 */
export class ConnectionRegistry {
  constructor(
    private readonly limits: { socketsPerUser: number; subscriptionsPerUser: number },
    private readonly counts: SharedCounts = new LocalCounts(),
  ) {}

  /** Counts a new socket of the user; throws RATE_LIMITED when they hold the most allowed. */
  openSocket(userId: string): Promise<void> {
    return this.take(`sockets:${userId}`, this.limits.socketsPerUser, 'sockets');
  }

  closeSocket(userId: string): void {
    void this.counts.give(`sockets:${userId}`);
  }

  /** Counts a new subscription of the user; throws RATE_LIMITED when they hold the most allowed. */
  addSubscription(userId: string): Promise<void> {
    return this.take(`subscriptions:${userId}`, this.limits.subscriptionsPerUser, 'subscriptions');
  }

  removeSubscription(userId: string): void {
    void this.counts.give(`subscriptions:${userId}`);
  }

  private async take(key: string, limit: number, what: string): Promise<void> {
    if (await this.counts.take(key, limit)) return;
    throw new AppError('RATE_LIMITED', `Too many open ${what} for this user (limit ${limit})`, {
      retryable: true,
      details: { limit: what, max: limit },
    });
  }
}
