import { NotFoundError } from '../errors';
import type { Prisma, PrivacyRequest, PrivacyRequestKind } from '../generated/prisma/client';
import type { Database } from './database';

/** What a deletion removes, in an order that never leaves a child row pointing at a deleted parent. */
export const DELETION_TARGETS = ['memories', 'flags', 'events', 'turns', 'sessions'] as const;
export type DeletionTarget = (typeof DELETION_TARGETS)[number];

export interface UserExport {
  exportedAt: string;
  user: Record<string, unknown>;
  sessions: Record<string, unknown>[];
  memories: Record<string, unknown>[];
  moderationFlags: Record<string, unknown>[];
  privacyRequests: Record<string, unknown>[];
  counts: Record<string, number>;
  /** True when nothing but the account itself is stored. */
  empty: boolean;
}

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

  async createRequest(userId: string, kind: PrivacyRequestKind): Promise<PrivacyRequest> {
    const user = await this.db.prisma.user.findUnique({ where: { id: userId }, select: { id: true } });
    if (!user) throw new NotFoundError('User', userId);
    return this.db.prisma.privacyRequest.create({ data: { userId, kind } });
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

  /** Everything stored about a user, as one JSON-ready document. */
  async exportUser(userId: string, now = new Date()): Promise<UserExport> {
    const user = await this.db.prisma.user.findUnique({ where: { id: userId } });
    if (!user) throw new NotFoundError('User', userId);
    const sessions = await this.db.prisma.session.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      include: {
        turns: { orderBy: { createdAt: 'asc' } },
        events: { orderBy: { seq: 'asc' } },
      },
    });
    const memories = await this.db.sql.query<Record<string, unknown>>(
      `SELECT "id", "personaId", "text", "kind"::text AS "kind", "importance", "sourceSessionId", "createdAt", "updatedAt",
              "lastAccessedAt", "deletedAt", "embedding"::text AS "embedding"
         FROM "Memory" WHERE "userId" = $1 ORDER BY "createdAt", "id"`,
      [userId],
    );
    const moderationFlags = await this.db.prisma.moderationFlag.findMany({
      where: { session: { userId } },
      orderBy: { createdAt: 'asc' },
    });
    const privacyRequests = await this.db.prisma.privacyRequest.findMany({
      where: { userId },
      orderBy: { createdAt: 'asc' },
      select: { id: true, kind: true, status: true, createdAt: true, completedAt: true },
    });
    const turns = sessions.reduce((sum, s) => sum + s.turns.length, 0);
    const events = sessions.reduce((sum, s) => sum + s.events.length, 0);
    const counts = {
      sessions: sessions.length,
      turns,
      events,
      memories: memories.length,
      moderationFlags: moderationFlags.length,
    };
    return toJson({
      exportedAt: now.toISOString(),
      user,
      sessions,
      memories: memories.map((m) => ({
        ...m,
        embedding: typeof m.embedding === 'string' ? JSON.parse(m.embedding) : null,
      })),
      moderationFlags,
      privacyRequests,
      counts,
      empty: Object.values(counts).every((n) => n === 0),
    });
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
