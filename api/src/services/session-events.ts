import type { Database } from '../db/database';
import { SessionEventLog } from '../db/event-log';
import type { SessionEvent, SessionEventPayload } from '../domain/session-events';
import type { Logger } from '../logger';
import type { EventSink } from '../realtime/ports';
import type { EventBus } from './event-bus';

/** Events of one session waiting for the log, and the write in progress (it drains them all). */
interface PendingWrites {
  events: SessionEvent[];
  writing: Promise<void> | null;
}

/** Most events appended in one statement. */
const MAX_BATCH = 200;

/**
 * Gives each event its per-session sequence number, appends it to the event log (for replay) and fans it out
 * to subscribers. Appends are queued per session so the log keeps emission order without blocking the
 * realtime path on the database; what queues up while one write runs goes in the next, as one batch.
 */
export class SessionEventPublisher implements EventSink {
  readonly log: SessionEventLog;
  private readonly nextSeq = new Map<string, number>();
  private readonly writes = new Map<string, PendingWrites>();

  constructor(
    db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
  ) {
    this.log = new SessionEventLog(db);
  }

  /** The pipeline's way out: never throws, never waits; a failure is logged. */
  emit(sessionId: string, payload: SessionEventPayload): void {
    this.publish(sessionId, payload).catch((err: unknown) =>
      this.logger.error({ err, sessionId, type: payload.type }, 'failed to publish a session event'),
    );
  }

  /** Numbers, logs and fans out one event; resolves once subscribers were handed it. */
  async publish(sessionId: string, payload: SessionEventPayload): Promise<SessionEvent> {
    const seq = await this.allocateSeq(sessionId);
    const event = { ...payload, sessionId, seq, at: new Date().toISOString() } as SessionEvent;
    this.append(event);
    await this.bus.publish('sessionEvents', sessionId, event);
    return event;
  }

  /** Stored events after `afterSeq`, including those this node emitted that are still on their way in. */
  async replay(sessionId: string, afterSeq: number): Promise<SessionEvent[]> {
    await this.flush(sessionId);
    return this.log.after(sessionId, afterSeq);
  }

  /** Resolves when every event emitted so far (for one session, or all) is in the log. */
  async flush(sessionId?: string): Promise<void> {
    if (sessionId) {
      await this.writes.get(sessionId)?.writing;
      return;
    }
    await Promise.all([...this.writes.values()].map((pending) => pending.writing));
  }

  /** Drops per-session bookkeeping once a session ended and its log is written. */
  async forget(sessionId: string): Promise<void> {
    await this.flush(sessionId);
    this.nextSeq.delete(sessionId);
    this.writes.delete(sessionId);
  }

  private append(event: SessionEvent): void {
    let pending = this.writes.get(event.sessionId);
    if (!pending) {
      pending = { events: [], writing: null };
      this.writes.set(event.sessionId, pending);
    }
    pending.events.push(event);
    pending.writing ??= this.drain(event.sessionId, pending);
  }

  /** Writes the session's queued events in order, batch after batch, until none is left. Never rejects. */
  private async drain(sessionId: string, pending: PendingWrites): Promise<void> {
    while (pending.events.length > 0) {
      const batch = pending.events.splice(0, MAX_BATCH);
      try {
        await this.log.append(batch);
      } catch (err) {
        const seqs = `${batch[0]!.seq}-${batch.at(-1)!.seq}`;
        this.logger.error({ err, sessionId, seqs }, 'failed to append session events');
      }
    }
    pending.writing = null;
  }

  private async allocateSeq(sessionId: string): Promise<number> {
    let next = this.nextSeq.get(sessionId);
    if (next === undefined) {
      // Continue after what an earlier process (or node) already logged for this session.
      const last = await this.log.lastSeq(sessionId);
      next = this.nextSeq.get(sessionId) ?? last + 1;
    }
    this.nextSeq.set(sessionId, next + 1);
    return next;
  }
}
