import type { Database } from '../db/database';
import { SessionEventLog } from '../db/event-log';
import type { SessionEvent, SessionEventPayload } from '../domain/session-events';
import type { Logger } from '../logger';
import type { EventSink } from '../realtime/ports';
import type { EventBus } from './event-bus';
import { type EventSeqs, MemoryEventSeqs } from './event-seqs';

/** An event waiting for its seq, and whoever waits for it to be published. */
interface Outgoing {
  payload: SessionEventPayload;
  /** The owner's fencing token, for events of a session's runtime. */
  writer?: string;
  settle(result: { event: SessionEvent } | { error: unknown }): void;
}

/** One session's events on their way out: numbered and published in emission order, one batch at a time. */
interface Outbox {
  waiting: Outgoing[];
  draining: Promise<void> | null;
}

/** Events of one session waiting for the log, and the write in progress (it drains them all). */
interface PendingWrites {
  events: SessionEvent[];
  writing: Promise<void> | null;
}

/** Most events appended in one statement. */
const MAX_BATCH = 200;

/**
 * Gives each event its per-session sequence number, appends it to the event log (for replay) and fans it out
 * to subscribers. Seqs come from one counter shared by every node (Redis when configured), reserved a burst at a
 * time, so a session's events keep emission order on every node without a round trip each. Appends are queued per
 * session so the log keeps emission order without blocking the realtime path on the database; what queues up
 * while one write runs goes in the next, as one batch.
 */
export class SessionEventPublisher implements EventSink {
  readonly log: SessionEventLog;
  private readonly outboxes = new Map<string, Outbox>();
  private readonly writes = new Map<string, PendingWrites>();

  constructor(
    db: Database,
    private readonly bus: EventBus,
    private readonly logger: Logger,
    private readonly seqs: EventSeqs = new MemoryEventSeqs(),
  ) {
    this.log = new SessionEventLog(db);
  }

  /** Events waiting now: to be numbered and published, and to be written to the log. */
  queued(): { publish: number; eventLog: number } {
    let publish = 0;
    let eventLog = 0;
    for (const outbox of this.outboxes.values()) publish += outbox.waiting.length;
    for (const pending of this.writes.values()) eventLog += pending.events.length;
    return { publish, eventLog };
  }

  /** The pipeline's way out: never throws, never waits; a failure is logged. */
  emit(sessionId: string, payload: SessionEventPayload, writer?: string): void {
    this.enqueue(sessionId, {
      payload,
      writer,
      settle: (result) => {
        if ('error' in result) {
          this.logger.error(
            { err: result.error, sessionId, type: payload.type },
            'failed to publish a session event',
          );
        }
      },
    });
  }

  /** Numbers, logs and fans out one event; resolves once subscribers were handed it. */
  publish(sessionId: string, payload: SessionEventPayload): Promise<SessionEvent> {
    return new Promise((resolve, reject) =>
      this.enqueue(sessionId, {
        payload,
        settle: (result) => ('error' in result ? reject(result.error) : resolve(result.event)),
      }),
    );
  }

  /** Stored events after `afterSeq`, including those this node emitted that are still on their way in. */
  async replay(sessionId: string, afterSeq: number): Promise<SessionEvent[]> {
    await this.flush(sessionId);
    return this.log.after(sessionId, afterSeq);
  }

  /** Resolves when every event emitted so far (for one session, or all) is in the log. */
  async flush(sessionId?: string): Promise<void> {
    const ids = sessionId ? [sessionId] : [...new Set([...this.outboxes.keys(), ...this.writes.keys()])];
    for (const id of ids) {
      await this.outboxes.get(id)?.draining;
      await this.writes.get(id)?.writing;
    }
  }

  /** Drops per-session bookkeeping once a session ended and its log is written. */
  async forget(sessionId: string): Promise<void> {
    await this.flush(sessionId);
    this.seqs.forget(sessionId);
    this.writes.delete(sessionId);
  }

  private enqueue(sessionId: string, outgoing: Outgoing): void {
    let outbox = this.outboxes.get(sessionId);
    if (!outbox) {
      outbox = { waiting: [], draining: null };
      this.outboxes.set(sessionId, outbox);
    }
    outbox.waiting.push(outgoing);
    outbox.draining ??= this.drainOutbox(sessionId, outbox);
  }

  /** Numbers and publishes the session's waiting events, burst after burst, until none is left. Never rejects. */
  private async drainOutbox(sessionId: string, outbox: Outbox): Promise<void> {
    while (outbox.waiting.length > 0) {
      // A burst shares one writer (it changes only when the session changes owner).
      const writer = outbox.waiting[0]!.writer;
      const end = outbox.waiting.findIndex((o) => o.writer !== writer);
      const burst = outbox.waiting.splice(0, end === -1 ? outbox.waiting.length : end);
      let first: number;
      try {
        first = await this.seqs.reserve(sessionId, burst.length, () => this.lastLogged(sessionId), writer);
      } catch (error) {
        for (const outgoing of burst) outgoing.settle({ error });
        continue;
      }
      const at = new Date().toISOString();
      const events = burst.map(
        ({ payload }, i) => ({ ...payload, sessionId, seq: first + i, at }) as SessionEvent,
      );
      for (const event of events) this.append(event);
      for (const [i, event] of events.entries()) {
        try {
          await this.bus.publish('sessionEvents', sessionId, event);
          burst[i]!.settle({ event });
        } catch (error) {
          burst[i]!.settle({ error });
        }
      }
    }
    outbox.draining = null;
    this.outboxes.delete(sessionId);
  }

  /** The highest seq in the log, once this node's own queued events for the session are written. */
  private async lastLogged(sessionId: string): Promise<number> {
    await this.writes.get(sessionId)?.writing;
    return this.log.lastSeq(sessionId);
  }

  private append(event: SessionEvent): void {
    let pending = this.writes.get(event.sessionId);
    if (!pending) {
      pending = { events: [], writing: null };
      this.writes.set(event.sessionId, pending);
    }
    pending.events.push(event);
    pending.writing ??= this.drainWrites(event.sessionId, pending);
  }

  /** Writes the session's queued events in order, batch after batch, until none is left. Never rejects. */
  private async drainWrites(sessionId: string, pending: PendingWrites): Promise<void> {
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
}
