import { randomUUID } from 'node:crypto';
import { encodeGlobalID } from '@pothos/plugin-relay';
import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, startTestApp, type TestApp } from '../../../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  InterruptMutation,
  PlatformActivityQuery,
  SendTextMutation,
  SessionEventsSubscription,
  SessionQuery,
  SessionsQuery,
} from '../../../test-support/operations';

let t: TestApp;
let admin: string;
let alice: string;
let bob: string;
let integrator: string;
let personaId: string;

beforeAll(async () => {
  t = await startTestApp();
  [admin, alice, bob, integrator] = await Promise.all([
    t.token('admin'),
    t.token('alice'),
    t.token('bob'),
    t.token('integrator'),
  ]);
  const persona = await t.gql(
    CreatePersonaMutation,
    { input: { name: 'Guide', systemPrompt: 'Be kind.' } },
    admin,
  );
  personaId = persona.data!.createPersona.id;
});
afterAll(() => t?.stop());

async function createSession(token: string) {
  const res = await t.gql(
    CreateSessionMutation,
    { input: { personaId, capabilities: ['audio', 'visemes'] } },
    token,
  );
  expect(res.errors).toBeUndefined();
  return res.data!.createSession;
}

describe('createSession', () => {
  it('returns the session, a short-lived session token and the socket URLs', async () => {
    const created = await createSession(alice);
    expect(created.session).toMatchObject({ status: 'CREATED', capabilities: ['audio', 'visemes'] });
    expect(created.session.traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(created.audioUrl).toBe(`${t.url.replace('http', 'ws')}/audio`);
    expect(created.graphqlUrl).toBe(`${t.url.replace('http', 'ws')}/graphql`);
    const ttlMs = Date.parse(created.sessionTokenExpiresAt) - Date.now();
    expect(ttlMs).toBeGreaterThan(60_000);
    expect(ttlMs).toBeLessThanOrEqual(300_000);
  });

  it('rejects unknown personas, unknown capabilities and anonymous callers without creating anything', async () => {
    const before = await t.app.services.db.prisma.session.count();
    const unknown = await t.gql(
      CreateSessionMutation,
      { input: { personaId: encodeGlobalID('Persona', randomUUID()) } },
      alice,
    );
    expect(unknown.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const badCapability = await t.gql(
      CreateSessionMutation,
      { input: { personaId, capabilities: ['smell'] } },
      alice,
    );
    expect(badCapability.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
    const anonymous = await t.gql(CreateSessionMutation, { input: { personaId } });
    expect(anonymous.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
    expect(await t.app.services.db.prisma.session.count()).toBe(before);
  });

  it('does not let a session token create sessions or read other data', async () => {
    const { sessionToken } = await createSession(alice);
    const res = await t.gql(CreateSessionMutation, { input: { personaId } }, sessionToken);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
    const list = await t.gql(SessionsQuery, {}, sessionToken);
    expect(list.errors?.[0]?.extensions).toMatchObject({ code: 'FORBIDDEN' });
  });
});

describe('session access', () => {
  it("hides another user's session as NOT_FOUND and changes nothing", async () => {
    const created = await createSession(alice);
    const read = await t.gql(SessionQuery, { id: created.session.id }, bob);
    expect(read.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const end = await t.gql(EndSessionMutation, { id: created.session.id }, bob);
    expect(end.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const text = await t.gql(SendTextMutation, { sessionId: created.session.id, text: 'hi' }, bob);
    expect(text.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const stillThere = await t.gql(SessionQuery, { id: created.session.id }, alice);
    expect(stillThere.data?.session.status).toBe('CREATED');
  });

  it('lets integrators read but not control, and admins do both', async () => {
    const created = await createSession(alice);
    const read = await t.gql(SessionQuery, { id: created.session.id }, integrator);
    expect(read.data?.session.user.username).toBe('alice');
    const control = await t.gql(InterruptMutation, { sessionId: created.session.id }, integrator);
    expect(control.errors?.[0]?.extensions).toMatchObject({ code: 'NOT_FOUND' });
    const ended = await t.gql(EndSessionMutation, { id: created.session.id }, admin);
    expect(ended.data?.endSession.status).toBe('ENDED');
  });

  it('lists only the caller’s own sessions for users, everyone’s for admins', async () => {
    await createSession(bob);
    const bobs = await t.gql(SessionsQuery, { first: 50 }, bob);
    const owners = new Set(bobs.data!.sessions.edges.map((e) => e.node.user.username));
    expect([...owners]).toEqual(['bob']);
    const all = await t.gql(SessionsQuery, { first: 50 }, admin);
    const allOwners = new Set(all.data!.sessions.edges.map((e) => e.node.user.username));
    expect(allOwners).toEqual(new Set(['alice', 'bob']));
  });

  it('answers UNAUTHENTICATED for expired or forged tokens', async () => {
    const secret = new TextEncoder().encode('test-secret-that-is-long-enough-0123456789');
    const expired = await new SignJWT({ role: 'ADMIN', scope: 'api', usr: 'admin' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('someone')
      .setIssuer('avatar-platform')
      .setExpirationTime(Math.floor(Date.now() / 1000) - 10)
      .sign(secret);
    const res = await t.gql(SessionsQuery, {}, expired);
    expect(res.errors?.[0]).toMatchObject({
      message: 'Token expired',
      extensions: { code: 'UNAUTHENTICATED' },
    });
    const forged = await new SignJWT({ role: 'ADMIN', scope: 'api' })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('someone')
      .setIssuer('avatar-platform')
      .setExpirationTime('1h')
      .sign(new TextEncoder().encode('another-secret-another-secret-another-secret'));
    const forgedRes = await t.gql(SessionsQuery, {}, forged);
    expect(forgedRes.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});

describe('endSession', () => {
  it('ends once, then answers SESSION_ENDED to further input and changes nothing', async () => {
    const created = await createSession(alice);
    const ended = await t.gql(EndSessionMutation, { id: created.session.id }, alice);
    expect(ended.data?.endSession).toMatchObject({ status: 'ENDED', endReason: 'ended by client' });
    const again = await t.gql(EndSessionMutation, { id: created.session.id }, alice);
    expect(again.errors?.[0]?.extensions).toMatchObject({ code: 'SESSION_ENDED' });
    const text = await t.gql(SendTextMutation, { sessionId: created.session.id, text: 'hello?' }, alice);
    expect(text.errors?.[0]?.extensions).toMatchObject({ code: 'SESSION_ENDED' });
    const session = await t.gql(SessionQuery, { id: created.session.id }, alice);
    expect(session.data?.session.turns.edges).toHaveLength(0);
    expect(session.data?.session.events.edges.map((e) => e.node.type)).toEqual(['SessionEnded']);
  });

  it.each([
    ['empty', '   '],
    ['oversized', 'x'.repeat(4001)],
  ])('rejects %s text with BAD_INPUT', async (_label, text) => {
    const created = await createSession(alice);
    const res = await t.gql(SendTextMutation, { sessionId: created.session.id, text }, alice);
    expect(res.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_INPUT' });
  });
});

describe('platformActivity', () => {
  it('counts live sessions, recent turns and the p95 to first audio across sessions, for admins only', async () => {
    const before = (await t.gql(PlatformActivityQuery, {}, admin)).data!.platformActivity;
    const sessionId = (await createSession(alice)).session.id;
    const answered = collect(
      t.wsClient(alice),
      SessionEventsSubscription,
      { sessionId, afterSeq: 0 },
      (r) => r.data?.sessionEvents.__typename === 'ResponseDone',
    );
    await t.gql(SendTextMutation, { sessionId, text: 'Hello' }, alice);
    await answered;
    // The answer is stored just after ResponseDone.
    await expect
      .poll(
        async () => (await t.gql(PlatformActivityQuery, {}, admin)).data?.platformActivity.answersInWindow,
      )
      .toBe(before.answersInWindow + 1);
    const after = (await t.gql(PlatformActivityQuery, {}, admin)).data!.platformActivity;
    expect(after.liveSessions).toBe(before.liveSessions + 1);
    expect(after.turnsPerMinute).toBe(before.turnsPerMinute + 1);
    expect(after.firstAudioP95Ms).toBeGreaterThan(0);
    expect(after.windowMinutes).toBe(15);

    for (const token of [alice, integrator]) {
      const refused = await t.gql(PlatformActivityQuery, {}, token);
      expect(refused.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.data).toBeNull();
    }
    expect((await t.gql(PlatformActivityQuery, {})).errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
