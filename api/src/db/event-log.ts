import type { SessionEvent } from '../domain/session-events';
import type { Database } from './database';

/**
 * The append-only log of everything sessions emitted, for replay after a reconnect. Owns the row codec: a row
 * keeps the event's own fields in `payload`; `sessionId`, `seq`, `type` and the time are columns.
 */
export class SessionEventLog {
  constructor(private readonly db: Database) {}

  /** Appends events in one statement: a busy session's burst of speech chunks is one write, not hundreds. */
  async append(events: SessionEvent[]): Promise<void> {
    await this.db.prisma.sessionEvent.createMany({
      data: events.map(({ sessionId, seq, type, at, ...payload }) => ({
        sessionId,
        seq,
        type,
        payload: payload as object,
        createdAt: new Date(at),
      })),
    });
  }

  /** Stored events after `afterSeq`, in order. */
  async after(sessionId: string, afterSeq: number): Promise<SessionEvent[]> {
    const rows = await this.db.prisma.sessionEvent.findMany({
      where: { sessionId, seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
    });
    return rows.map(
      (row) =>
        ({
          ...(row.payload as object),
          type: row.type,
          seq: row.seq,
          sessionId,
          at: row.createdAt.toISOString(),
        }) as SessionEvent,
    );
  }

  /** The highest seq logged for the session, 0 when none. */
  async lastSeq(sessionId: string): Promise<number> {
    const last = await this.db.prisma.sessionEvent.aggregate({ where: { sessionId }, _max: { seq: true } });
    return last._max.seq ?? 0;
  }
}
