import type { SessionEvent } from '../domain/session-events';
import type { Database } from './database';

/**
 * The append-only log of everything sessions emitted, for replay after a reconnect. Owns the row codec: a row
 * keeps the event's own fields in `payload`; `sessionId`, `seq`, `type` and the time are columns.
 */
export class SessionEventLog {
  constructor(private readonly db: Database) {}

  async append(event: SessionEvent): Promise<void> {
    const { sessionId, seq, type, at, ...payload } = event;
    await this.db.prisma.sessionEvent.create({
      data: { sessionId, seq, type, payload: payload as object, createdAt: new Date(at) },
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
