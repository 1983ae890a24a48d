import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InMemoryConversationHistory } from '../db/conversation-history';
import { type Database, openDatabase } from '../db/database';
import { TurnRepository } from '../db/turn-repository';
import { createLogger } from '../logger';
import { ConversationService } from './conversations';
import { createMemoryEventBus } from './event-bus';
import { SessionEventPublisher } from './session-events';
import { SingleNodeOwnership } from './session-ownership';
import { SessionService } from './sessions';
import { createTokenService, type TokenService, type Viewer } from './tokens';

describe('conversation service', () => {
  let db: Database;
  let tokens: TokenService;
  let sessions: SessionService;
  let viewer: Viewer;
  let personaId: string;
  const closed: string[] = [];
  const history = new InMemoryConversationHistory();
  let conversations: ConversationService;
  let deps: ConstructorParameters<typeof ConversationService>[0];

  beforeAll(async () => {
    db = await openDatabase({});
    tokens = createTokenService({
      secret: new TextEncoder().encode('a-test-secret-that-is-long-enough-0123'),
      issuer: 'test',
      accessTtlSeconds: 60,
      sessionTtlSeconds: 60,
    });
    const events = new SessionEventPublisher(db, createMemoryEventBus(), createLogger('silent'));
    sessions = new SessionService({ db, tokens, events, publicUrl: () => 'http://localhost' });
    deps = {
      sessions,
      tokens,
      history,
      lifecycle: { connected: () => {}, disconnected: () => {}, forget: () => {} },
      ownership: new SingleNodeOwnership(),
      log: events.log,
      events,
      turns: new TurnRepository(db),
      hub: {
        sendText: async () => ({ utteranceId: 'u' }),
        greet: async () => {},
        interrupt: async () => false,
        setPersona: async () => {},
        sendImage: async () => {},
        openMicrophone: async () => {
          throw new Error('not used here');
        },
        close: async (sessionId: string) => void closed.push(sessionId),
      },
    };
    conversations = new ConversationService(deps);
    const user = await db.prisma.user.create({ data: { username: 'ada' } });
    viewer = { userId: user.id, username: 'ada', role: 'USER', scope: 'api' };
    personaId = (await db.prisma.persona.create({ data: { name: 'Ada', systemPrompt: 'x' } })).id;
  });
  afterAll(() => db.close());

  it('opens the audio socket only for a session token, reading the session and persona once', async () => {
    const created = await sessions.create(viewer, { personaId, capabilities: ['audio'] });
    const live = await conversations.authenticateAudio(created.sessionToken);
    expect(live.session.id).toBe(created.session.id);
    expect(live.persona.name).toBe('Ada');
    const { token: apiToken } = await tokens.issueAccessToken(viewer);
    await expect(conversations.authenticateAudio(apiToken)).rejects.toMatchObject({ code: 'FORBIDDEN' });
    await expect(conversations.authenticateAudio('not-a-jwt')).rejects.toMatchObject({
      code: 'UNAUTHENTICATED',
    });
    await conversations.end(viewer, created.session.id);
    await expect(conversations.authenticateAudio(created.sessionToken)).rejects.toMatchObject({
      code: 'SESSION_ENDED',
    });
  });

  it('ends a session: stops its runtime and forgets its conversation window', async () => {
    const { session } = await sessions.create(viewer, { personaId, capabilities: [] });
    await history.append(session.id, { role: 'user', text: 'remember me' });
    await conversations.end(viewer, session.id);
    expect(closed).toContain(session.id);
    expect(await history.recent(session.id)).toEqual([]);
  });

  it('tells the microphone clients of a session another node took to connect again, and stops it here', async () => {
    const idle = async () => undefined;
    const sink = { start: idle, audio: idle, endTurn: idle, interrupt: idle, vadHint: idle, close: idle };
    const here = new ConversationService({ ...deps, hub: { ...deps.hub, openMicrophone: async () => sink } });
    const created = await sessions.create(viewer, { personaId, capabilities: ['audio'] });
    const told: string[] = [];
    const client = {
      speechStarted: () => true,
      speechEnded: () => true,
      sessionEnded: (reason: string) => told.push(`ended: ${reason}`) > 0,
      reconnect: (reason: string) => told.push(`reconnect: ${reason}`) > 0,
    };
    await here.openMicrophone(await here.authenticateAudio(created.sessionToken), client);
    await here.lost(created.session.id);
    expect(told).toEqual(['reconnect: the session moved to another node']);
    expect(closed).toContain(created.session.id);
  });
});
