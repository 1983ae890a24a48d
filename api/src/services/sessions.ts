import { randomBytes } from 'node:crypto';
import type { Database } from '../db/database';
import { canAccessSession, type SessionAccess } from '../domain/access';
import { AppError, ForbiddenError, NotFoundError, UnauthenticatedError } from '../errors';
import type { Persona, Session } from '../generated/prisma/client';
import type { SessionEventPublisher } from './session-events';
import type { TokenService, Viewer } from './tokens';

export interface CreatedSession {
  session: Session;
  sessionToken: string;
  sessionTokenExpiresAt: Date;
  audioUrl: string;
  graphqlUrl: string;
}

export class SessionService {
  constructor(
    private readonly deps: {
      db: Database;
      tokens: TokenService;
      events: SessionEventPublisher;
      /** Base URL clients reach this node at (http/https); socket URLs are derived from it. */
      publicUrl: () => string;
      /** Sessions one user may have open (not ended) at once. */
      maxOpenPerUser?: number;
      onEnded?: (session: Session) => void;
    },
  ) {}

  /** Loads a session the viewer may access; a session they may not see is reported as not found. */
  async get(viewer: Viewer | null, id: string, access: SessionAccess = 'read'): Promise<Session> {
    if (!viewer) throw new UnauthenticatedError();
    const session = await this.deps.db.prisma.session.findUnique({ where: { id } });
    if (!session || !canAccessSession(viewer, session, access)) throw new NotFoundError('Session', id);
    return session;
  }

  /** A session the viewer may control, still open, with its persona: everything a live conversation needs. */
  async getLive(viewer: Viewer | null, id: string): Promise<{ session: Session; persona: Persona }> {
    if (!viewer) throw new UnauthenticatedError();
    const found = await this.deps.db.prisma.session.findUnique({ where: { id }, include: { persona: true } });
    if (!found || !canAccessSession(viewer, found, 'control')) throw new NotFoundError('Session', id);
    const { persona, ...session } = found;
    await this.assertOpen(session);
    return { session, persona };
  }

  /**
   * Moves an open session to another persona the user may use (one that exists and is not archived; anything
   * else is NOT_FOUND, as for a new session). Returns the session as it now goes live.
   */
  async switchPersona(
    viewer: Viewer | null,
    id: string,
    personaId: string,
  ): Promise<{ session: Session; persona: Persona }> {
    const { session } = await this.getLive(viewer, id);
    const persona = await this.deps.db.prisma.persona.findUnique({ where: { id: personaId } });
    if (!persona || persona.archivedAt) throw new NotFoundError('Persona', personaId);
    const updated = await this.deps.db.prisma.session.update({
      where: { id: session.id },
      data: { personaId },
    });
    return { session: updated, persona };
  }

  async create(
    viewer: Viewer,
    input: { personaId: string; capabilities: string[] },
  ): Promise<CreatedSession> {
    if (viewer.scope !== 'api') throw new ForbiddenError('A session token cannot create sessions');
    const persona = await this.deps.db.prisma.persona.findUnique({ where: { id: input.personaId } });
    if (!persona || persona.archivedAt) throw new NotFoundError('Persona', input.personaId);
    const max = this.deps.maxOpenPerUser ?? Number.POSITIVE_INFINITY;
    // The user's row is locked while counting, so two creations at once cannot both pass the limit.
    const session = await this.deps.db.prisma.$transaction(async (tx) => {
      await tx.$queryRaw`SELECT "id" FROM "User" WHERE "id" = ${viewer.userId} FOR UPDATE`;
      const open = await tx.session.count({ where: { userId: viewer.userId, status: { not: 'ENDED' } } });
      if (open >= max) {
        throw new AppError('RATE_LIMITED', `At most ${max} open sessions per user: end one first`, {
          retryable: true,
          details: { limit: 'openSessionsPerUser', max },
        });
      }
      return tx.session.create({
        data: {
          userId: viewer.userId,
          personaId: persona.id,
          capabilities: [...new Set(input.capabilities)],
          traceId: randomBytes(16).toString('hex'),
        },
      });
    });
    return { session, ...(await this.sessionAccess(viewer, session)) };
  }

  /** A fresh short-lived token for the session's audio socket and event subscription. */
  async sessionAccess(viewer: Viewer, session: Session) {
    const { token, expiresAt } = await this.deps.tokens.issueSessionToken({
      userId: viewer.userId,
      username: viewer.username,
      role: viewer.role,
      sessionId: session.id,
    });
    const base = new URL(this.deps.publicUrl());
    const ws = new URL(base);
    ws.protocol = base.protocol === 'https:' ? 'wss:' : 'ws:';
    return {
      sessionToken: token,
      sessionTokenExpiresAt: expiresAt,
      audioUrl: new URL('/audio', ws).toString(),
      graphqlUrl: new URL('/graphql', ws).toString(),
    };
  }

  /** Marks the session active on its first input; a no-op afterwards. */
  async markActive(sessionId: string): Promise<void> {
    await this.deps.db.prisma.session.updateMany({
      where: { id: sessionId, status: 'CREATED' },
      data: { status: 'ACTIVE', startedAt: new Date() },
    });
  }

  async assertOpen(session: Session): Promise<void> {
    if (session.status === 'ENDED') throw new AppError('SESSION_ENDED', `Session ${session.id} has ended`);
  }

  async end(viewer: Viewer | null, id: string, reason = 'ended by client'): Promise<Session> {
    const session = await this.get(viewer, id, 'control');
    await this.assertOpen(session);
    return this.close(id, reason);
  }

  /** Ends a session the platform decided to end (idle, too long, client gone); SESSION_ENDED if it already was. */
  endBySystem(id: string, reason: string): Promise<Session> {
    return this.close(id, reason);
  }

  private async close(id: string, reason: string): Promise<Session> {
    // Only one caller wins the transition, so SessionEnded is emitted exactly once.
    const { count } = await this.deps.db.prisma.session.updateMany({
      where: { id, status: { not: 'ENDED' } },
      data: { status: 'ENDED', endedAt: new Date(), endReason: reason },
    });
    if (count === 0) throw new AppError('SESSION_ENDED', `Session ${id} has ended`);
    await this.deps.events.publish(id, { type: 'SessionEnded', reason });
    await this.deps.events.forget(id);
    const ended = await this.deps.db.prisma.session.findUniqueOrThrow({ where: { id } });
    this.deps.onEnded?.(ended);
    return ended;
  }
}
