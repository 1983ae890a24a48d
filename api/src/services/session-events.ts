import type { Database } from '../db/database';
import type { SessionEvent, SessionEventPayload } from '../domain/session-events';
import type { EventBus } from '../graphql/pubsub';
import type { Logger } from '../logger';

/**
 * Gives each event its per-session sequence number, appends it to the SessionEvent log (for replay) and fans it
 * out to subscribers. Appends are queued per session so the log keeps emission order without blocking the
 * realtime path on the database.
 */
export class SessionEventPublisher {
  private readonly nextSeq = new Map<string, number>();
  private readonly writes = new Map<string, Promise<void>>();

  constructor(
    private readonly db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {}

  async emit(sessionId: string, payload: SessionEventPayload): Promise<SessionEvent> {
    const seq = await this.allocateSeq(sessionId);
    const event = { ...payload, sessionId, seq, at: new Date().toISOString() } as SessionEvent;
    const previous = this.writes.get(sessionId) ?? Promise.resolve();
    const write = previous.then(() => this.append(event));
    this.writes.set(sessionId, write);
    await this.bus.publish('sessionEvents', sessionId, event);
    return event;
  }

  /** Resolves when every event emitted so far for the session is in the log. */
  async flush(sessionId?: string): Promise<void> {
    if (sessionId) {
      await this.writes.get(sessionId);
      return;
    }
    await Promise.all(this.writes.values());
  }

  /** Drops per-session bookkeeping once a session ended and its log is written. */
  async forget(sessionId: string): Promise<void> {
    await this.flush(sessionId);
    this.nextSeq.delete(sessionId);
    this.writes.delete(sessionId);
  }

  private async allocateSeq(sessionId: string): Promise<number> {
    let next = this.nextSeq.get(sessionId);
    if (next === undefined) {
      // Continue after what an earlier process (or node) already logged for this session.
      const last = await this.db.prisma.sessionEvent.aggregate({ where: { sessionId }, _max: { seq: true } });
      next = this.nextSeq.get(sessionId) ?? (last._max.seq ?? 0) + 1;
    }
    this.nextSeq.set(sessionId, next + 1);
    return next;
  }

  private async append(event: SessionEvent): Promise<void> {
    const { sessionId, seq, type, at: _at, ...rest } = event;
    try {
      await this.db.prisma.sessionEvent.create({ data: { sessionId, seq, type, payload: rest as object } });
    } catch (err) {
      this.logger.error({ err, sessionId, seq, type }, 'failed to append session event');
    }
  }
}
