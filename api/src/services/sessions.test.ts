import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../db/database';
import { AppError, ForbiddenError, NotFoundError } from '../errors';
import { createLogger } from '../logger';
import { createMemoryEventBus } from './event-bus';
import { SessionEventPublisher } from './session-events';
import { SessionService } from './sessions';
import { createTokenService, type Viewer } from './tokens';

describe('session service', () => {
  let db: Database;
  let sessions: SessionService;
  let events: SessionEventPublisher;
  const ended: string[] = [];
  let alice: Viewer;
  let bob: Viewer;
  let admin: Viewer;
  let personaId: string;

  beforeAll(async () => {
    db = await openDatabase({});
    events = new SessionEventPublisher(db, createMemoryEventBus(), createLogger('silent'));
    sessions = new SessionService({
      db,
      events,
      tokens: createTokenService({
        secret: new TextEncoder().encode('a-test-secret-that-is-long-enough-0123'),
        issuer: 'test',
        accessTtlSeconds: 60,
        sessionTtlSeconds: 60,
      }),
      publicUrl: () => 'https://avatars.example',
      onEnded: (session) => ended.push(session.id),
    });
    const user = async (username: string, role: Viewer['role']): Promise<Viewer> => {
      const row = await db.prisma.user.create({ data: { username, role } });
      return { userId: row.id, username, role, scope: 'api' };
    };
    [alice, bob, admin] = [
      await user('alice', 'USER'),
      await user('bob', 'USER'),
      await user('root', 'ADMIN'),
    ];
    personaId = (await db.prisma.persona.create({ data: { name: 'Ada', systemPrompt: 'x' } })).id;
  });
  afterAll(() => db.close());

  it('creates a session with a token scoped to it and socket URLs derived from the public URL', async () => {
    const created = await sessions.create(alice, { personaId, capabilities: ['audio', 'audio', 'text'] });
    expect(created.session).toMatchObject({ status: 'CREATED', capabilities: ['audio', 'text'] });
    expect(created.audioUrl).toBe('wss://avatars.example/audio');
    expect(created.graphqlUrl).toBe('wss://avatars.example/graphql');
    const asSession: Viewer = { ...alice, scope: 'session', sessionId: created.session.id };
    await expect(sessions.create(asSession, { personaId, capabilities: [] })).rejects.toBeInstanceOf(
      ForbiddenError,
    );
    await expect(sessions.create(alice, { personaId: 'nope', capabilities: [] })).rejects.toBeInstanceOf(
      NotFoundError,
    );
  });

  it('reads a live session with its persona in one go, only for whoever may control it', async () => {
    const { session } = await sessions.create(alice, { personaId, capabilities: [] });
    const other = (await sessions.create(alice, { personaId, capabilities: [] })).session;
    expect((await sessions.getLive(alice, session.id)).persona.name).toBe('Ada');
    expect((await sessions.getLive(admin, session.id)).session.id).toBe(session.id);
    await expect(sessions.getLive(bob, session.id)).rejects.toBeInstanceOf(NotFoundError);
    const tokenOfOther: Viewer = { ...alice, scope: 'session', sessionId: other.id };
    await expect(sessions.getLive(tokenOfOther, session.id)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sessions.getLive(null, session.id)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });

  it('marks a session active once, on its first input', async () => {
    const { session } = await sessions.create(alice, { personaId, capabilities: [] });
    await sessions.markActive(session.id);
    const first = await db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    await sessions.markActive(session.id);
    const again = await db.prisma.session.findUniqueOrThrow({ where: { id: session.id } });
    expect(first.status).toBe('ACTIVE');
    expect(again.startedAt).toEqual(first.startedAt);
  });

  it('ends a session exactly once, however many callers race, and then refuses it', async () => {
    const { session } = await sessions.create(alice, { personaId, capabilities: [] });
    const results = await Promise.allSettled([
      sessions.end(alice, session.id),
      sessions.end(alice, session.id),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'SESSION_ENDED' });
    expect(ended.filter((id) => id === session.id)).toHaveLength(1);
    const log = await events.replay(session.id, 0);
    expect(log.map((e) => e.type)).toEqual(['SessionEnded']);
    await expect(sessions.getLive(alice, session.id)).rejects.toBeInstanceOf(AppError);
  });
});
