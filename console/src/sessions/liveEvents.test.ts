import { type Client, createClient } from 'graphql-ws';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { SessionEventPayload } from '../../../api/src/domain/session-events';
import { startTestApp, type TestApp } from '../../../api/test-support/harness';
import { CreatePersonaMutation } from '../personas/operations';
import { followSessionEvents, type LiveEvent, type LiveStatus } from './liveEvents';
import { CreateSessionMutation } from './operations';

let t: TestApp;
let token: string;

beforeAll(async () => {
  t = await startTestApp();
  token = await t.token('admin');
});
afterAll(() => t?.stop());

const dbId = (globalId: string) => Buffer.from(globalId, 'base64').toString('utf8').split(':')[1]!;

async function newSession() {
  const persona = await t.gql(CreatePersonaMutation, { input: { name: 'Live', systemPrompt: 'Hi.' } }, token);
  const created = await t.gql(
    CreateSessionMutation,
    { input: { personaId: persona.data!.createPersona.id } },
    token,
  );
  return created.data!.createSession.session.id;
}

/** Follows a session with real graphql-ws clients and records every client, subscription and status. */
function follow(sessionId: string) {
  const clients: Client[] = [];
  const subscribedWith: unknown[] = [];
  const events: LiveEvent[] = [];
  const statuses: LiveStatus[] = [];
  const stop = followSessionEvents({
    sessionId,
    afterSeq: 0,
    retryDelayMs: () => 100,
    connect: () => {
      const client = createClient({
        url: t.wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: { authorization: `Bearer ${token}` },
        retryAttempts: 0,
        lazy: true,
      });
      const subscribe = client.subscribe.bind(client);
      client.subscribe = (payload, sink) => {
        subscribedWith.push(payload.variables);
        return subscribe(payload, sink);
      };
      clients.push(client);
      return client;
    },
    onEvent: (e) => events.push(e),
    onStatus: (s) => statuses.push(s),
  });
  return { clients, subscribedWith, events, statuses, stop };
}

const until = async (check: () => boolean, what: string) => {
  for (let i = 0; i < 200 && !check(); i++) await new Promise((r) => setTimeout(r, 25));
  if (!check()) throw new Error(`timed out waiting for ${what}`);
};

const transcript = (text: string): SessionEventPayload => ({
  type: 'TranscriptFinal',
  utteranceId: text,
  text,
  confidence: 1,
  alternatives: [],
  words: [],
});

describe('following a session live', () => {
  it('resumes after a lost connection from the last seen seq, says so, and repeats nothing', async () => {
    const sessionId = await newSession();
    const live = follow(sessionId);
    await until(() => live.statuses.some((s) => s.state === 'live'), 'the first connection');
    await t.app.services.events.emit(dbId(sessionId), transcript('one'));
    await t.app.services.events.emit(dbId(sessionId), transcript('two'));
    await until(() => live.events.length === 2, 'the first two events');

    live.clients[0]!.terminate();
    // Emitted while the console is disconnected: only the event log can give them back.
    await t.app.services.events.emit(dbId(sessionId), transcript('three'));
    await t.app.services.events.emit(dbId(sessionId), { type: 'SessionEnded', reason: 'user' });
    await until(() => live.statuses.at(-1)?.state === 'ended', 'the end of the session');
    live.stop();

    expect(live.events.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
    expect(live.subscribedWith).toEqual([
      { sessionId, afterSeq: 0 },
      { sessionId, afterSeq: 2 },
    ]);
    const messages = live.statuses.map((s) => s.message);
    expect(messages).toContain('Connection lost; reconnecting from event #2…');
    expect(messages).toContain('Reconnected: resumed after event #2');
  });

  it('gives up with the API error instead of retrying when the subscription is refused', async () => {
    const live = follow(Buffer.from('Session:00000000-0000-0000-0000-000000000000').toString('base64'));
    await until(() => live.statuses.at(-1)?.state === 'failed', 'the refusal');
    live.stop();
    expect(live.clients).toHaveLength(1);
    expect(live.statuses.at(-1)?.message).toMatch(/not found/i);
  });
});
