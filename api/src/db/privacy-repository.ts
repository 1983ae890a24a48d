import { AppError, NotFoundError } from '../errors';
import type { Prisma, PrivacyRequest, PrivacyRequestKind } from '../generated/prisma/client';
import type { Database } from './database';

/** What a deletion removes, in an order that never leaves a child row pointing at a deleted parent. */
export const DELETION_TARGETS = ['memories', 'flags', 'events', 'turns', 'sessions'] as const;
export type DeletionTarget = (typeof DELETION_TARGETS)[number];

/** What an export wrote: rows per kind, its size, and whether there was anything beyond the account. */
export interface ExportSummary {
  counts: Record<string, number>;
  bytes: number;
  parts: number;
  empty: boolean;
}

/** An export passed EXPORT_MAX_BYTES; what was written is removed. */
export class ExportTooLargeError extends AppError {
  constructor(maxBytes: number) {
    super('TOO_LARGE', `The export is larger than ${maxBytes} bytes`, { details: { maxBytes } });
    this.name = 'ExportTooLargeError';
  }
}

export const DEFAULT_EXPORT_MAX_BYTES = 256 * 1024 * 1024;

/** Where the API serves an export's document (see transport/http-routes.ts). */
export const exportDownloadPath = (requestId: string) => `/api/privacy/exports/${requestId}`;

/** Rows read per query, and bytes per stored part: what an export holds in memory at most, roughly. */
const PAGE_ROWS = 200;
const PART_BYTES = 1024 * 1024;

// Each statement deletes at most $2 rows of one user, so a deletion is many short transactions that a restarted
// worker can simply continue.
const DELETE_BATCH_SQL: Record<DeletionTarget, string> = {
  memories: `DELETE FROM "Memory" WHERE "id" IN (SELECT "id" FROM "Memory" WHERE "userId" = $1 LIMIT $2)`,
  flags: `DELETE FROM "ModerationFlag" WHERE "id" IN (
            SELECT f."id" FROM "ModerationFlag" f JOIN "Session" s ON s."id" = f."sessionId" WHERE s."userId" = $1 LIMIT $2)`,
  events: `DELETE FROM "SessionEvent" WHERE "id" IN (
            SELECT e."id" FROM "SessionEvent" e JOIN "Session" s ON s."id" = e."sessionId" WHERE s."userId" = $1 LIMIT $2)`,
  turns: `DELETE FROM "Turn" WHERE "id" IN (
            SELECT t."id" FROM "Turn" t JOIN "Session" s ON s."id" = t."sessionId" WHERE s."userId" = $1 LIMIT $2)`,
  sessions: `DELETE FROM "Session" WHERE "id" IN (SELECT "id" FROM "Session" WHERE "userId" = $1 LIMIT $2)`,
};

export class PrivacyRepository {
  constructor(private readonly db: Database) {}

  /**
   * Records a request. With `maxActive`, refuses (RATE_LIMITED) when the user already has that many of this kind
   * pending or running; the user's row is locked meanwhile, so two requests at once cannot both slip through.
   */
  async createRequest(
    userId: string,
    kind: PrivacyRequestKind,
    opts: { maxActive?: number } = {},
  ): Promise<PrivacyRequest> {
    return this.db.prisma.$transaction(async (tx) => {
      const user = await tx.$queryRaw<
        { id: string }[]
      >`SELECT "id" FROM "User" WHERE "id" = ${userId} FOR UPDATE`;
      if (user.length === 0) throw new NotFoundError('User', userId);
      if (opts.maxActive !== undefined) {
        const active = await tx.privacyRequest.count({
          where: { userId, kind, status: { in: ['PENDING', 'RUNNING'] } },
        });
        if (active >= opts.maxActive) {
          throw new AppError(
            'RATE_LIMITED',
            `Only ${opts.maxActive} ${kind.toLowerCase()} request(s) may run at a time; wait for the running one`,
            { retryable: true, details: { limit: 'concurrentPrivacyRequests', max: opts.maxActive } },
          );
        }
      }
      return tx.privacyRequest.create({ data: { userId, kind } });
    });
  }

  async getRequest(id: string): Promise<PrivacyRequest> {
    const request = await this.db.prisma.privacyRequest.findUnique({ where: { id } });
    if (!request) throw new NotFoundError('PrivacyRequest', id);
    return request;
  }

  async setWorkflowId(id: string, workflowId: string): Promise<void> {
    await this.db.prisma.privacyRequest.update({ where: { id }, data: { workflowId } });
  }

  async markRunning(id: string): Promise<PrivacyRequest> {
    const request = await this.getRequest(id);
    if (request.status === 'PENDING') {
      return this.db.prisma.privacyRequest.update({ where: { id }, data: { status: 'RUNNING' } });
    }
    return request;
  }

  async complete(id: string, result: Prisma.InputJsonValue): Promise<void> {
    await this.db.prisma.privacyRequest.update({
      where: { id },
      data: { status: 'COMPLETED', result, error: null, completedAt: new Date() },
    });
  }

  async fail(id: string, error: string): Promise<void> {
    await this.db.prisma.privacyRequest.update({
      where: { id },
      data: { status: 'FAILED', error, completedAt: new Date() },
    });
  }

  /**
   * Writes everything stored about a user as NDJSON lines (`{"record":"session",...}`, one row each) into the
   * request's export parts, page by page, so memory stays bounded whatever the user has. A retry starts over.
   * `onPage` is called after every page (the workflow heartbeats there).
   */
  async writeExport(
    requestId: string,
    userId: string,
    opts: { maxBytes: number; onPage?: () => void; now?: Date },
  ): Promise<ExportSummary> {
    const user = await this.db.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError('User', userId);
    await this.db.prisma.privacyExportPart.deleteMany({ where: { requestId } });
    const writer = new PartWriter(this.db, requestId, opts.maxBytes);
    const counts = {
      sessions: 0,
      turns: 0,
      events: 0,
      memories: 0,
      moderationFlags: 0,
      privacyRequests: 0,
    };
    const write = async (record: string, rows: unknown[]) => {
      for (const row of rows) await writer.line({ record, ...(toJson(row) as object) });
      opts.onPage?.();
    };
    try {
      await writer.line({ record: 'export', exportedAt: (opts.now ?? new Date()).toISOString(), userId });
      await write('user', [user]);
      for await (const sessions of this.pages((last: string | undefined) =>
        this.db.prisma.session.findMany({ where: { userId }, orderBy: IN_TIME_ORDER, ...page(last) }),
      )) {
        counts.sessions += sessions.length;
        await write('session', sessions);
        const sessionIds = sessions.map((s) => s.id);
        for await (const turns of this.pages((last: string | undefined) =>
          this.db.prisma.turn.findMany({
            where: { sessionId: { in: sessionIds } },
            orderBy: IN_TIME_ORDER,
            ...page(last),
          }),
        )) {
          counts.turns += turns.length;
          await write('turn', turns);
        }
        for await (const events of this.pages((last: bigint | undefined) =>
          this.db.prisma.sessionEvent.findMany({
            where: { sessionId: { in: sessionIds } },
            orderBy: { id: 'asc' },
            ...page(last),
          }),
        )) {
          counts.events += events.length;
          await write('event', events);
        }
      }
      for (let offset = 0; ; offset += PAGE_ROWS) {
        const memories = await this.db.sql.query<Record<string, unknown>>(
          `SELECT "id", "personaId", "text", "kind"::text AS "kind", "importance", "sourceSessionId", "createdAt",
                  "updatedAt", "lastAccessedAt", "deletedAt", "embedding"::text AS "embedding"
             FROM "Memory" WHERE "userId" = $1 ORDER BY "createdAt", "id" LIMIT $2 OFFSET $3`,
          [userId, PAGE_ROWS, offset],
        );
        counts.memories += memories.length;
        await write(
          'memory',
          memories.map((m) => ({
            ...m,
            embedding: typeof m.embedding === 'string' ? JSON.parse(m.embedding) : null,
          })),
        );
        if (memories.length < PAGE_ROWS) break;
      }
      for await (const flags of this.pages((last: string | undefined) =>
        this.db.prisma.moderationFlag.findMany({
          where: { session: { userId } },
          orderBy: IN_TIME_ORDER,
          ...page(last),
        }),
      )) {
        counts.moderationFlags += flags.length;
        await write('moderationFlag', flags);
      }
      const requests = await this.db.prisma.privacyRequest.findMany({
        where: { userId },
        orderBy: { createdAt: 'asc' },
        select: { id: true, kind: true, status: true, createdAt: true, completedAt: true },
      });
      counts.privacyRequests = requests.length;
      await write('privacyRequest', requests);
      await writer.flush();
    } catch (err) {
      // Nothing half-written stays behind (a too-large export, or a failure a retry will redo).
      await this.db.prisma.privacyExportPart.deleteMany({ where: { requestId } }).catch(() => undefined);
      throw err;
    }
    const { privacyRequests: _requests, ...stored } = counts;
    return {
      counts,
      bytes: writer.bytes,
      parts: writer.parts,
      empty: Object.values(stored).every((n) => n === 0),
    };
  }

  /** The export's NDJSON, part by part, in order. */
  async *readExport(requestId: string): AsyncGenerator<string> {
    for (let seq = 0; ; seq++) {
      const part = await this.db.prisma.privacyExportPart.findUnique({
        where: { requestId_seq: { requestId, seq } },
        select: { content: true },
      });
      if (!part) return;
      yield part.content;
    }
  }

  /** Cursor pages of rows: `fetch` gets the id of the last row of the previous page. */
  private async *pages<I, T extends { id: I }>(
    fetch: (last: I | undefined) => Promise<T[]>,
  ): AsyncGenerator<T[]> {
    let last: I | undefined;
    while (true) {
      const rows = await fetch(last);
      if (rows.length === 0) return;
      yield rows;
      if (rows.length < PAGE_ROWS) return;
      last = rows.at(-1)!.id;
    }
  }

  /** Deletes up to `batchSize` rows of one kind; returns how many went (0 when that kind is done). */
  async deleteBatch(userId: string, target: DeletionTarget, batchSize: number): Promise<number> {
    const rows = await this.db.sql.query<{ id: string }>(`${DELETE_BATCH_SQL[target]} RETURNING "id"`, [
      userId,
      batchSize,
    ]);
    return rows.length;
  }

  async userExists(userId: string): Promise<boolean> {
    return (await this.db.prisma.user.findUnique({ where: { id: userId }, select: { id: true } })) !== null;
  }
}

/** Dates to ISO strings, bigints to numbers: the document is stored as JSON and sent to clients as is. */
function toJson<T>(value: T): T {
  return JSON.parse(
    JSON.stringify(value, (_key, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
  ) as T;
}

/** Oldest first; the id breaks ties so that pages never skip or repeat a row. */
const IN_TIME_ORDER = [{ createdAt: 'asc' as const }, { id: 'asc' as const }];

/** Prisma's arguments for the page after the row with id `last`. */
function page<I>(last: I | undefined) {
  return { take: PAGE_ROWS, ...(last === undefined ? {} : { cursor: { id: last }, skip: 1 }) };
}

/** Buffers NDJSON lines and stores them as parts of about PART_BYTES, counting the export's size. */
class PartWriter {
  bytes = 0;
  parts = 0;
  private buffer: string[] = [];
  private buffered = 0;

  constructor(
    private readonly db: Database,
    private readonly requestId: string,
    private readonly maxBytes: number,
  ) {}

  async line(value: unknown): Promise<void> {
    const line = `${JSON.stringify(value)}\n`;
    const size = Buffer.byteLength(line);
    this.bytes += size;
    if (this.bytes > this.maxBytes) throw new ExportTooLargeError(this.maxBytes);
    this.buffer.push(line);
    this.buffered += size;
    if (this.buffered >= PART_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    if (this.buffer.length === 0) return;
    const content = this.buffer.join('');
    this.buffer = [];
    this.buffered = 0;
    await this.db.prisma.privacyExportPart.create({
      data: { requestId: this.requestId, seq: this.parts++, content },
    });
  }
}
