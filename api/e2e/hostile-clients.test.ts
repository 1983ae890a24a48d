import { decodeGlobalID, encodeGlobalID } from '@pothos/plugin-relay';
import type { Client } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createTokenService } from '../src/services/tokens';
import { startTestApp, type TestApp } from '../test-support/harness';
import { CreatePersonaMutation, CreateSessionMutation, MeQuery } from '../test-support/operations';

/**
 * What careless or hostile clients send, through the real transports: each gets a typed error or close code,
 * changes nothing, and the node keeps serving everyone.
 */

const ALLOWED_ORIGIN = 'https://app.example';
const NUL = 'a\u0000b';
const LONE_SURROGATE = 'a\ud800b';

interface GraphQLResult {
  data?: Record<string, unknown> | null;
  errors?: { message: string; extensions?: Record<string, unknown> }[];
}

/** A raw GraphQL request over HTTP, as any client could write it. */
async function postGraphQL(
  url: string,
  query: string,
  variables: Record<string, unknown> = {},
  token?: string,
): Promise<GraphQLResult> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  return (await res.json()) as GraphQLResult;
}

/** One operation over graphql-ws; errors sent as an error message come back as `errors` too. */
function overWebSocket(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<GraphQLResult> {
  return new Promise((resolve) => {
    client.subscribe<Record<string, unknown>>(
      { query, variables },
      {
        next: (result) => resolve(result as GraphQLResult),
        error: (err) => resolve({ errors: Array.isArray(err) ? err : [{ message: String(err) }] }),
        complete: () => undefined,
      },
    );
  });
}

/** Opens a raw graphql-ws socket; resolves with how it ended (or 'acked' once the server accepted it). */
function rawGraphQLSocket(
  wsUrl: string,
  opts: {
    init?: Record<string, unknown> | null;
    origin?: string;
    forwardedFor?: string;
    waitMs?: number;
  } = {},
): Promise<{ outcome: 'acked' | 'closed' | 'refused'; code?: number; reason?: string; status?: number }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws', {
      headers: {
        ...(opts.origin ? { origin: opts.origin } : {}),
        ...(opts.forwardedFor ? { 'x-forwarded-for': opts.forwardedFor } : {}),
      },
    });
    socket.on('unexpected-response', (_req, res) => {
      resolve({ outcome: 'refused', status: res.statusCode });
      socket.terminate();
    });
    socket.on('error', () => undefined);
    socket.on('open', () => {
      if (opts.init !== null)
        socket.send(JSON.stringify({ type: 'connection_init', payload: opts.init ?? {} }));
    });
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') {
        resolve({ outcome: 'acked' });
        socket.close();
      }
    });
    socket.on('close', (code, reason) => resolve({ outcome: 'closed', code, reason: String(reason) }));
  });
}

/** Opens an audio socket; resolves with the HTTP status that refused the upgrade, or 101. */
function audioUpgrade(
  audioUrl: string,
  token: string,
  origin?: string,
): Promise<{ status: number; socket?: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(`${audioUrl}?token=${token}`, { headers: origin ? { origin } : {} });
    socket.on('unexpected-response', (_req, res) => resolve({ status: res.statusCode ?? 0 }));
    socket.on('error', () => undefined);
    socket.on('open', () => resolve({ status: 101, socket }));
  });
}

const code = (result: GraphQLResult) => result.errors?.[0]?.extensions?.code;

describe('hostile and careless clients', () => {
  let t: TestApp;
  let admin: string;
  let alice: string;
  let bob: string;
  let personaId: string;

  beforeAll(async () => {
    t = await startTestApp({
      env: {
        CORS_ORIGINS: ALLOWED_ORIGIN,
        CONNECTIONS_PER_MINUTE_PER_IP: '100000',
        MAX_OPEN_SESSIONS_PER_USER: '8',
        HTTP_MAX_BODY_BYTES: String(1024 * 1024),
        WS_MAX_MESSAGE_BYTES: String(256 * 1024),
      },
    });
    [admin, alice, bob] = await Promise.all([t.token('admin'), t.token('alice'), t.token('bob')]);
    const persona = await t.gql(CreatePersonaMutation, { input: { name: 'Ada', systemPrompt: 'x' } }, admin);
    personaId = persona.data!.createPersona.id;
  });
  afterAll(() => t?.stop());

  const newSession = async (token: string) => {
    const created = await t.gql(CreateSessionMutation, { input: { personaId } }, token);
    if (!created.data) throw new Error(JSON.stringify(created.errors));
    return created.data.createSession;
  };

  const health = async () => {
    const started = performance.now();
    const res = await fetch(`${t.url}/health`);
    const body = (await res.json()) as { status: string; escapedErrors: number };
    return { ...body, latencyMs: performance.now() - started };
  };

  describe('unsafe text (U+0000, lone surrogates) in every text input', () => {
    /** Each text input: the operation, its variables around the bad text, the field the error names, and a
     * count that must not change. */
    const inputs: {
      name: string;
      token: () => string;
      query: string;
      variables: (bad: string) => Promise<Record<string, unknown>>;
      field: string;
      count: () => Promise<number>;
    }[] = [
      {
        name: 'sendText',
        token: () => alice,
        query:
          'mutation ($sessionId: ID!, $text: String!) { sendText(sessionId: $sessionId, text: $text) { utteranceId } }',
        variables: async (bad) => ({ sessionId: aliceSession, text: bad }),
        field: 'text',
        count: () => t.app.services.db.prisma.turn.count(),
      },
      ...(['name', 'systemPrompt', 'greeting', 'failureLine', 'description'] as const).map((field) => ({
        name: `createPersona ${field}`,
        token: () => admin,
        query: 'mutation ($input: PersonaCreateInput!) { createPersona(input: $input) { id } }',
        variables: async (bad: string) => ({ input: { name: 'Eve', systemPrompt: 'x', [field]: bad } }),
        field: `input.${field}`,
        count: () => t.app.services.db.prisma.persona.count(),
      })),
      {
        name: 'updatePersona safeFallback',
        token: () => admin,
        query:
          'mutation ($id: ID!, $input: PersonaUpdateInput!) { updatePersona(id: $id, input: $input) { id } }',
        variables: async (bad) => ({ id: personaId, input: { safeFallback: bad } }),
        field: 'input.safeFallback',
        count: () => t.app.services.db.prisma.persona.count({ where: { safeFallback: { contains: 'a' } } }),
      },
      {
        name: 'personas search',
        token: () => alice,
        query: 'query ($search: String) { personas(search: $search) { edges { cursor } } }',
        variables: async (bad) => ({ search: bad }),
        field: 'search',
        count: async () => 0,
      },
      {
        name: 'memories search',
        token: () => alice,
        query: 'query ($search: String) { memories(search: $search) { edges { cursor } } }',
        variables: async (bad) => ({ search: bad }),
        field: 'search',
        count: async () => 0,
      },
      {
        name: 'users search',
        token: () => admin,
        query: 'query ($search: String) { users(search: $search) { edges { node { id } } } }',
        variables: async (bad) => ({ search: bad }),
        field: 'search',
        count: async () => 0,
      },
      {
        name: 'searchMemories query',
        token: () => alice,
        query:
          'query ($personaId: ID!, $query: String!) { searchMemories(personaId: $personaId, query: $query) { score } }',
        variables: async (bad) => ({ personaId, query: bad }),
        field: 'query',
        count: async () => 0,
      },
      {
        name: 'createModerationPolicy blockTerms',
        token: () => admin,
        query: 'mutation ($input: ModerationPolicyInput!) { createModerationPolicy(input: $input) { id } }',
        variables: async (bad) => ({ input: { name: 'strict', blockTerms: ['fine', bad] } }),
        field: 'input.blockTerms.1',
        count: () => t.app.services.db.prisma.moderationPolicy.count(),
      },
      {
        name: 'reviewModerationFlags note',
        token: () => admin,
        query:
          'mutation ($ids: [ID!]!, $note: String) { reviewModerationFlags(ids: $ids, decision: APPROVED, note: $note) { id } }',
        variables: async (bad) => ({ ids: [], note: bad }),
        field: 'note',
        count: () => t.app.services.db.prisma.moderationFlag.count(),
      },
    ];
    let aliceSession: string;
    let wsClients: Client[];

    beforeAll(async () => {
      aliceSession = (await newSession(alice)).session.id;
      wsClients = [t.wsClient(alice), t.wsClient(admin)];
    });

    for (const input of inputs) {
      for (const [kind, bad] of [
        ['U+0000', NUL],
        ['a lone surrogate', LONE_SURROGATE],
      ] as const) {
        it(`${input.name}: ${kind} answers BAD_INPUT naming the field, over HTTP and graphql-ws`, async () => {
          const before = await input.count();
          const variables = await input.variables(bad);
          const token = input.token();
          const client = token === admin ? wsClients[1]! : wsClients[0]!;
          for (const result of [
            await postGraphQL(t.url, input.query, variables, token),
            await overWebSocket(client, input.query, variables),
          ]) {
            expect(code(result)).toBe('BAD_INPUT');
            expect(result.errors?.[0]?.extensions).toMatchObject({ details: { field: input.field } });
            expect(result.errors?.[0]?.message).toContain('U+0000 or unpaired surrogates');
          }
          expect(await input.count()).toBe(before);
        });
      }
    }

    it('refuses unsafe text written inline in the document too', async () => {
      const result = await postGraphQL(
        t.url,
        `mutation { sendText(sessionId: "${aliceSession}", text: "hi \\u0000 there") { utteranceId } }`,
        {},
        alice,
      );
      expect(code(result)).toBe('BAD_INPUT');
      expect(result.errors?.[0]?.extensions).toMatchObject({ details: { field: 'text' } });
    });

    it('refuses it in the sign-in body with 400 BAD_INPUT', async () => {
      for (const bad of [NUL, LONE_SURROGATE]) {
        const res = await fetch(`${t.url}/api/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: bad, password: 'x' }),
        });
        expect(res.status).toBe(400);
        expect(await res.json()).toMatchObject({ error: { code: 'BAD_INPUT' } });
      }
    });

    it('refuses it as an utterance id on the audio socket, which stays open', async () => {
      const created = await newSession(bob);
      const { socket } = await audioUpgrade(created.audioUrl, created.sessionToken);
      const messages: { type: string; code?: string }[] = [];
      socket!.on('message', (data, binary) => {
        if (!binary) messages.push(JSON.parse(String(data)));
      });
      socket!.send(
        JSON.stringify({ type: 'audio.start', utteranceId: NUL, sampleRate: 16000, encoding: 'pcm16' }),
      );
      await expect.poll(() => messages.find((m) => m.type === 'error')?.code).toBe('invalid_message');
      expect(socket!.readyState).toBe(WebSocket.OPEN);
      socket!.close();
    });

    it('kept the node up and escaped nothing', async () => {
      expect(await health()).toMatchObject({ status: 'up', escapedErrors: 0 });
    });
  });

  describe('bad variable types', () => {
    it.each([
      [
        'first: "100"',
        'query ($first: Int) { personas(first: $first) { edges { cursor } } }',
        { first: '100' },
      ],
      ['id: an object', 'query ($id: ID!) { session(id: $id) { id } }', { id: { nested: true } }],
      [
        'sessionId: 123',
        'mutation ($id: ID!) { sendText(sessionId: $id, text: "hi") { utteranceId } }',
        { id: 123 },
      ],
      [
        'input: a string',
        'mutation ($input: CreateSessionInput!) { createSession(input: $input) { sessionToken } }',
        { input: 'x' },
      ],
    ])('%s answers BAD_INPUT, not INTERNAL', async (_case, query, variables) => {
      const result = await postGraphQL(t.url, query, variables, alice);
      expect(code(result)).toBe('BAD_INPUT');
    });
  });

  describe('authentication on graphql-ws', () => {
    it('closes a socket without a token with 4401 and says why', async () => {
      expect(await rawGraphQLSocket(t.wsUrl)).toMatchObject({ outcome: 'closed', code: 4401 });
    });

    it('closes a socket with an expired token with 4401 "Token expired", like HTTP answers UNAUTHENTICATED', async () => {
      const { auth } = t.app.services.config;
      const { token: expired } = await createTokenService({
        secret: new TextEncoder().encode('test-secret-that-is-long-enough-0123456789'),
        issuer: auth.issuer,
        accessTtlSeconds: -60,
        sessionTtlSeconds: -60,
      }).issueAccessToken({ userId: 'u', username: 'alice', role: 'USER' });
      expect(await rawGraphQLSocket(t.wsUrl, { init: { authorization: `Bearer ${expired}` } })).toMatchObject(
        { outcome: 'closed', code: 4401, reason: 'Token expired' },
      );
      expect(code(await postGraphQL(t.url, '{ me { id } }', {}, expired))).toBe('UNAUTHENTICATED');
    });

    it('closes a socket that never sends connection_init with 4408', async () => {
      expect(await rawGraphQLSocket(t.wsUrl, { init: null })).toMatchObject({
        outcome: 'closed',
        code: 4408,
      });
    }, 10_000);
  });

  describe('limits', () => {
    /**
     * Subscribes `count` times to the session's events from the start; each resolves 'open' once it replays the
     * session's first event (see `sessionWithAnEvent`), or the error code it got.
     */
    const subscribeMany = (client: Client, sessionId: string, count: number) =>
      Promise.all(
        Array.from(
          { length: count },
          () =>
            new Promise<string>((resolve) => {
              client.subscribe(
                {
                  query:
                    'subscription ($id: ID!) { sessionEvents(sessionId: $id, afterSeq: 0) { __typename } }',
                  variables: { id: sessionId },
                },
                {
                  next: () => resolve('open'),
                  error: (err) => resolve(String((err as GraphQLResult['errors'])?.[0]?.extensions?.code)),
                  complete: () => resolve('complete'),
                },
              );
              setTimeout(() => resolve('no answer in 30 s'), 30_000);
            }),
        ),
      );
    /** A session with one logged event, so that an accepted subscription says so at once by replaying it. */
    const sessionWithAnEvent = async (token: string) => {
      const created = await newSession(token);
      await t.app.services.events.publish(decodeGlobalID(created.session.id).id, {
        type: 'ResponseTextDelta',
        responseId: 'r',
        delta: 'hello',
      });
      return created;
    };
    const tally = (outcomes: string[]) =>
      Object.fromEntries([...new Set(outcomes)].map((o) => [o, outcomes.filter((x) => x === o).length]));

    it('accepts subscriptions on one socket up to its limit and refuses the other 490 with RATE_LIMITED', async () => {
      const created = await sessionWithAnEvent(alice);
      const client = t.wsClient(created.sessionToken);
      const { subscriptionsPerSocket } = t.app.services.config.limits;
      expect(tally(await subscribeMany(client, created.session.id, 500))).toEqual({
        open: subscriptionsPerSocket,
        RATE_LIMITED: 500 - subscriptionsPerSocket,
      });
      expect((await health()).latencyMs).toBeLessThan(1_000);
      await client.dispose();
    });

    it('counts a user’s subscriptions across sockets against the per-user limit', async () => {
      const created = await sessionWithAnEvent(alice);
      const clients = [t.wsClient(alice), t.wsClient(alice), t.wsClient(alice)];
      const { subscriptionsPerSocket, subscriptionsPerUser } = t.app.services.config.limits;
      const outcomes = [];
      for (const client of clients) {
        outcomes.push(...(await subscribeMany(client, created.session.id, subscriptionsPerSocket)));
      }
      expect(tally(outcomes)).toEqual({
        open: subscriptionsPerUser,
        RATE_LIMITED: 3 * subscriptionsPerSocket - subscriptionsPerUser,
      });
      await Promise.all(clients.map((client) => client.dispose()));
      // Closed sockets give their subscriptions back.
      const again = t.wsClient(alice);
      expect(tally(await subscribeMany(again, created.session.id, 1))).toEqual({ open: 1 });
      await again.dispose();
    });

    it('refuses a user’s sockets past the limit, on graphql-ws (4029) and audio (429), and frees them on close', async () => {
      const limit = t.app.services.config.limits.socketsPerUser;
      const sockets = await Promise.all(
        Array.from({ length: 200 }, () => rawGraphQLSocketKeptOpen(t.wsUrl, bob)),
      );
      expect(sockets.filter((s) => s.outcome === 'acked')).toHaveLength(limit);
      expect(sockets.filter((s) => s.outcome === 'closed').map((s) => s.code)).toEqual(
        Array.from({ length: 200 - limit }, () => 4029),
      );
      const created = await newSession(bob);
      expect((await audioUpgrade(created.audioUrl, created.sessionToken)).status).toBe(429);
      for (const s of sockets) s.socket.close();
      await expect
        .poll(async () => (await audioUpgrade(created.audioUrl, created.sessionToken)).status)
        .toBe(101);
    });

    it('closes a 50 MB graphql-ws message with 1009 before buffering it', async () => {
      const socket = new WebSocket(t.wsUrl, 'graphql-transport-ws');
      await new Promise((resolve) => socket.once('open', resolve));
      const closed = new Promise<number>((resolve) => socket.once('close', resolve));
      socket.on('error', () => undefined);
      socket.send(Buffer.alloc(50 * 1024 * 1024, 'a'));
      expect(await closed).toBe(1009);
      expect((await health()).status).toBe('up');
    });

    it('answers a 10 MB /graphql body 413, declared or chunked, while /health stays quick', async () => {
      const body = JSON.stringify({
        query: '{ me { id } }',
        variables: { pad: 'x'.repeat(10 * 1024 * 1024) },
      });
      const bodies = await Promise.all(
        Array.from({ length: 4 }, () =>
          fetch(`${t.url}/graphql`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body,
          }),
        ),
      );
      for (const res of bodies) {
        expect(res.status).toBe(413);
        expect(await res.json()).toMatchObject({ error: { code: 'TOO_LARGE' } });
      }
      const chunked = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new Blob([body]).stream(),
        duplex: 'half',
      } as RequestInit).catch((err: Error) => err);
      // The server may cut the upload off before the client reads the 413.
      if (!(chunked instanceof Error)) expect(chunked.status).toBe(413);
      expect((await health()).latencyMs).toBeLessThan(1_000);
    });

    it('refuses a user’s open sessions past the limit with RATE_LIMITED until one ends', async () => {
      const carol = await t.token('integrator');
      const opened = [];
      for (let i = 0; i < t.app.services.config.limits.openSessionsPerUser; i++) {
        opened.push(await newSession(carol));
      }
      const refused = await t.gql(CreateSessionMutation, { input: { personaId } }, carol);
      expect(code(refused as GraphQLResult)).toBe('RATE_LIMITED');
      await postGraphQL(
        t.url,
        'mutation ($id: ID!) { endSession(id: $id) { id } }',
        { id: opened[0]!.session.id },
        carol,
      );
      expect((await t.gql(CreateSessionMutation, { input: { personaId } }, carol)).data).toBeTruthy();
    });

    it('enforces the Origin allow-list on the token endpoint and on every upgrade', async () => {
      const signIn = (origin?: string) =>
        fetch(`${t.url}/api/auth/token`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...(origin ? { origin } : {}) },
          body: JSON.stringify({ username: 'alice', password: 'alice-pw' }),
        });
      expect((await signIn('https://evil.example')).status).toBe(403);
      expect((await signIn(ALLOWED_ORIGIN)).status).toBe(200);
      // Native apps and servers send no Origin.
      expect((await signIn()).status).toBe(200);
      expect(await rawGraphQLSocket(t.wsUrl, { origin: 'https://evil.example' })).toMatchObject({
        outcome: 'refused',
        status: 403,
      });
      const created = await newSession(bob);
      expect(
        (await audioUpgrade(created.audioUrl, created.sessionToken, 'https://evil.example')).status,
      ).toBe(403);
      expect(
        await rawGraphQLSocket(t.wsUrl, {
          origin: ALLOWED_ORIGIN,
          init: { authorization: `Bearer ${alice}` },
        }),
      ).toMatchObject({ outcome: 'acked' });
    });
  });

  describe('token scope', () => {
    const NodeQuery = 'query ($id: ID!) { node(id: $id) { id } }';
    const NodesQuery = 'query ($ids: [ID!]!) { nodes(ids: $ids) { id } }';
    let ids: {
      aliceUser: string;
      bobUser: string;
      aliceSession: string;
      bobSession: string;
      request: string;
      memory: string;
    };
    let aliceSessionToken: string;
    let adminSessionToken: string;

    beforeAll(async () => {
      const me = async (token: string) => (await t.gql(MeQuery, {}, token)).data!.me!.id;
      const aliceOwn = await newSession(alice);
      const bobOwn = await newSession(bob);
      aliceSessionToken = aliceOwn.sessionToken;
      adminSessionToken = (await newSession(admin)).sessionToken;
      const db = t.app.services.db.prisma;
      const aliceRow = await db.user.findUniqueOrThrow({ where: { username: 'alice' } });
      const memory = await db.memory.create({
        data: { userId: aliceRow.id, personaId: decodeGlobalID(personaId).id, text: 'Alice likes tea' },
      });
      const request = await db.privacyRequest.create({
        data: { userId: aliceRow.id, kind: 'EXPORT', status: 'COMPLETED', result: { secret: 'transcripts' } },
      });
      ids = {
        aliceUser: await me(alice),
        bobUser: await me(bob),
        aliceSession: aliceOwn.session.id,
        bobSession: bobOwn.session.id,
        memory: encodeGlobalID('Memory', memory.id),
        request: encodeGlobalID('PrivacyRequest', request.id),
      };
    });

    it('lets a session token read its own session (and the account its token names) only', async () => {
      for (const id of [ids.aliceSession, ids.aliceUser]) {
        const own = await postGraphQL(t.url, NodeQuery, { id }, aliceSessionToken);
        expect(own.data?.node).toEqual({ id });
      }
      for (const id of [ids.bobSession, ids.bobUser, ids.memory, ids.request]) {
        const result = await postGraphQL(t.url, NodeQuery, { id }, aliceSessionToken);
        expect(result.data?.node ?? null, id).toBeNull();
        expect(code(result), id).toBe('FORBIDDEN');
      }
      const many = await postGraphQL(t.url, NodesQuery, { ids: Object.values(ids) }, aliceSessionToken);
      expect((many.data!.nodes as unknown[]).filter(Boolean)).toEqual([
        { id: ids.aliceUser },
        { id: ids.aliceSession },
      ]);
    });

    it('gives an admin’s session token (try-it panels put it in URLs) nobody else’s data', async () => {
      for (const id of [ids.aliceUser, ids.memory, ids.request, ids.bobSession]) {
        const result = await postGraphQL(t.url, NodeQuery, { id }, adminSessionToken);
        expect(result.data?.node ?? null, id).toBeNull();
      }
      // The admin's access token still reads them: the console needs it.
      const asAdmin = await postGraphQL(
        t.url,
        NodesQuery,
        { ids: [ids.aliceUser, ids.memory, ids.request] },
        admin,
      );
      expect((asAdmin.data!.nodes as unknown[]).filter(Boolean)).toHaveLength(3);
    });

    it('refreshes a session token with an access token only', async () => {
      const refresh = 'mutation ($id: ID!) { refreshSessionToken(sessionId: $id) { sessionToken } }';
      const bySession = await postGraphQL(t.url, refresh, { id: ids.aliceSession }, aliceSessionToken);
      expect(code(bySession)).toBe('FORBIDDEN');
      const byAccess = await postGraphQL(t.url, refresh, { id: ids.aliceSession }, alice);
      expect(byAccess.errors).toBeUndefined();
    });

    it('keeps a session token off the operations of other sessions and of the account', async () => {
      for (const [query, variables] of [
        [
          'mutation ($id: ID!) { sendText(sessionId: $id, text: "hi") { utteranceId } }',
          { id: ids.bobSession },
        ],
        ['mutation ($id: ID!) { endSession(id: $id) { id } }', { id: ids.bobSession }],
        ['{ memories { edges { cursor } } }', {}],
        ['mutation { requestDataExport { id } }', {}],
        [
          `mutation ($input: CreateSessionInput!) { createSession(input: $input) { sessionToken } }`,
          { input: { personaId } },
        ],
      ] as const) {
        const result = await postGraphQL(t.url, query, variables, aliceSessionToken);
        expect(['FORBIDDEN', 'NOT_FOUND'], query).toContain(code(result));
      }
    });
  });
});

describe('a node with production limits', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { CONNECTIONS_PER_MINUTE_PER_IP: '3', INTROSPECTION: 'signed-in' } });
  });
  afterAll(() => t?.stop());

  it('refuses upgrades past the rate with 429, and HTTP keeps working', async () => {
    const results = [];
    for (let i = 0; i < 5; i++) results.push(await rawGraphQLSocket(t.wsUrl));
    expect(results.slice(0, 3).map((r) => r.outcome)).toEqual(['closed', 'closed', 'closed']);
    expect(results.slice(3)).toEqual([
      { outcome: 'refused', status: 429 },
      { outcome: 'refused', status: 429 },
    ]);
    expect((await fetch(`${t.url}/health`)).status).toBe(200);
    // No proxy is trusted here: claiming another address in X-Forwarded-For does not dodge the limit.
    expect(await rawGraphQLSocket(t.wsUrl, { forwardedFor: '203.0.113.7' })).toEqual({
      outcome: 'refused',
      status: 429,
    });
  });

  it('serves introspection to signed-in callers only', async () => {
    const introspect = '{ __schema { queryType { name } } }';
    expect(code(await postGraphQL(t.url, introspect))).toBe('UNAUTHENTICATED');
    const signedIn = await postGraphQL(t.url, introspect, {}, await t.token('alice'));
    expect(signedIn.data).toEqual({ __schema: { queryType: { name: 'Query' } } });
  });
});

describe('nodes behind a trusted load balancer', () => {
  let t: TestApp;
  beforeAll(async () => {
    // The test client plays the proxy: it connects from loopback and says whom it forwards.
    t = await startTestApp({ env: { CONNECTIONS_PER_MINUTE_PER_IP: '2', TRUSTED_PROXIES: 'loopback' } });
  });
  afterAll(() => t?.stop());

  it('counts each client behind the proxy on its own, not the proxy as one client', async () => {
    const from = (forwardedFor: string) => rawGraphQLSocket(t.wsUrl, { forwardedFor });
    expect((await from('203.0.113.5')).outcome).toBe('closed');
    expect((await from('203.0.113.5')).outcome).toBe('closed');
    expect(await from('203.0.113.5')).toEqual({ outcome: 'refused', status: 429 });
    expect((await from('203.0.113.9')).outcome).toBe('closed');
  });
});

/** A signed-in graphql-ws socket left open; resolves once acknowledged or closed. */
function rawGraphQLSocketKeptOpen(
  wsUrl: string,
  token: string,
): Promise<{ outcome: 'acked' | 'closed'; code?: number; socket: WebSocket }> {
  return new Promise((resolve) => {
    const socket = new WebSocket(wsUrl, 'graphql-transport-ws');
    socket.on('error', () => undefined);
    socket.on('open', () =>
      socket.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${token}` } })),
    );
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type === 'connection_ack') resolve({ outcome: 'acked', socket });
    });
    socket.on('close', (code) => resolve({ outcome: 'closed', code, socket }));
  });
}
