import { createServer } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { openDatabase } from '../../api/src/db/database';
import { startTestApp, TEST_USERS, type TestApp } from '../../api/test-support/harness';
import { CreatePersonaMutation, SessionQuery } from '../../api/test-support/operations';
import { synthesizeSpeech } from '../../api/test-support/speech';
import { AvatarClient } from './api-client';
import { AvatarClientError } from './errors';
import type { AvatarSession, SessionEvent, SessionEventOf } from './session';

/** ws, remembering every socket it opened so a test can cut them like a network failure would. */
class TrackedWebSocket extends WebSocket {
  static readonly opened: TrackedWebSocket[] = [];
  constructor(url: string, protocols?: string | string[]) {
    super(url, protocols);
    TrackedWebSocket.opened.push(this);
  }
  static dropAll(): void {
    for (const socket of TrackedWebSocket.opened.splice(0)) socket.terminate();
  }
}
const NodeWebSocket = TrackedWebSocket as unknown as typeof globalThis.WebSocket;

function record(session: AvatarSession): SessionEvent[] {
  const events: SessionEvent[] = [];
  session.on('event', (event) => events.push(event));
  return events;
}

const ofType = <T extends SessionEvent['__typename']>(events: SessionEvent[], type: T) =>
  events.filter((e): e is SessionEventOf<T> => e.__typename === type);

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('the client package against the real API, from Node', () => {
  let t: TestApp;
  let personaId: string;

  beforeAll(async () => {
    // Short session tokens: the client must keep them fresh by itself.
    t = await startTestApp({ env: { SESSION_TOKEN_TTL_SECONDS: '3' } });
    const admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'SDK guide', systemPrompt: 'You are a friendly guide.' } },
      admin,
    );
    personaId = persona.data!.createPersona.id;
  });
  afterAll(async () => {
    await t?.stop();
  });

  const signedIn = async () => {
    const client = new AvatarClient({ url: t.url, WebSocket: NodeWebSocket });
    await client.signIn(TEST_USERS.alice.username, TEST_USERS.alice.password);
    return client;
  };

  it('refuses a wrong password and bad input with typed errors', async () => {
    const client = new AvatarClient({ url: t.url, WebSocket: NodeWebSocket });
    await expect(client.signIn('alice', 'nope')).rejects.toMatchObject({
      name: 'AvatarClientError',
      code: 'UNAUTHENTICATED',
    });
    const session = await (await signedIn()).createSession({ personaId });
    await expect(session.sendText('   ')).rejects.toMatchObject({ code: 'BAD_INPUT' });
    await expect(session.startMicrophone()).rejects.toMatchObject({ code: 'AUDIO_UNSUPPORTED' });
    expect(() => session.startPlayback()).toThrow(AvatarClientError);
    await session.end();
  });

  it('gets a fresh access token through its hook when the API refuses the one it has', async () => {
    const fresh = await t.token('alice');
    let asked = 0;
    const client = new AvatarClient({
      url: t.url,
      WebSocket: NodeWebSocket,
      accessToken: 'expired-or-revoked',
      refreshAccessToken: async () => {
        asked++;
        return fresh;
      },
    });
    expect((await client.personas()).map((p) => p.id)).toContain(personaId);
    expect(asked).toBe(1);
  });

  it('asks by text and gets each event of the answer once, in order', async () => {
    const session = await (await signedIn()).createSession({ personaId });
    const events = record(session);
    await session.sendText('Hello there');
    await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 20_000 }).toBe(1);
    const types = events.map((e) => e.__typename);
    expect(types[0]).toBe('TranscriptFinal');
    expect(types).toContain('SpeechChunk');
    expect(types).toContain('BlendshapeFrames');
    const seqs = events.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    expect(new Set(seqs).size).toBe(seqs.length);
    await session.end();
    expect(session.state).toBe('ended');
  });

  it('resumes after its connections drop, from the last event seen: nothing missed, nothing twice', async () => {
    const session = await (await signedIn()).createSession({ personaId });
    const events = record(session);
    const states: string[] = [];
    session.on('state', (state) => states.push(state));
    await session.sendText('First question');
    await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 20_000 }).toBe(1);
    TrackedWebSocket.dropAll();
    // Said while the client is cut off: it must still arrive, once.
    await session.sendText('Second question');
    await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 20_000 }).toBe(2);
    expect(states).toContain('reconnecting');
    expect(session.state).toBe('live');
    const seqs = events.map((e) => e.seq);
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(ofType(events, 'TranscriptFinal').map((e) => e.text)).toEqual([
      'First question',
      'Second question',
    ]);
    await session.end();
  });

  it('keeps its short-lived session token fresh, so it reconnects after the first token expired', async () => {
    const session = await (await signedIn()).createSession({ personaId });
    const events = record(session);
    const audio = session.openAudioSocket();
    await expect.poll(() => audio.state).toBe('open');
    // The first token (3 s) has expired by now; the client refreshed it at 70% of its life.
    await new Promise((resolve) => setTimeout(resolve, 4000));
    TrackedWebSocket.dropAll();
    await expect.poll(() => audio.state, { timeout: 10_000 }).toBe('reconnecting');
    await expect.poll(() => audio.state, { timeout: 10_000 }).toBe('open');
    await session.sendText('Still there?');
    await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 20_000 }).toBe(1);
    await session.end();
  });

  it('streams speech over the audio socket and keeps only what it reports having played', async () => {
    const session = await (await signedIn()).createSession({ personaId });
    const events = record(session);
    const audio = session.openAudioSocket();
    await expect.poll(() => audio.state).toBe('open');
    audio.start(48_000);
    const question = await synthesizeSpeech('Hello, please tell me about the museum.', 48_000);
    const frame = 960;
    let streaming = true;
    const streamed = (async () => {
      // The question, then an open microphone's silence, at the rate a microphone sends.
      for (let i = 0; streaming; i += frame) {
        const chunk = question.samples.subarray(i, i + frame);
        const pcm = chunk.length === frame ? chunk : new Int16Array(frame);
        audio.sendAudio(new Uint8Array(pcm.buffer, pcm.byteOffset, pcm.byteLength));
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    })();
    await expect.poll(() => ofType(events, 'SpeechChunk').length, { timeout: 30_000 }).toBeGreaterThan(1);
    const [first] = ofType(events, 'SpeechChunk');
    const playedMs = Math.round(first!.durationMs * 0.8);
    expect(audio.interrupt({ responseId: first!.responseId, playedMs })).toBe(true);
    await expect.poll(() => ofType(events, 'Interrupted').length).toBe(1);
    streaming = false;
    await streamed;
    const [interrupted] = ofType(events, 'Interrupted');
    expect(interrupted).toMatchObject({ responseId: first!.responseId, playedMs });
    // The answer is stored once its stages have stopped, with only what was heard.
    const token = await t.token('alice');
    const lastTurn = async () =>
      (await t.gql(SessionQuery, { id: session.id }, token))
        .data!.session.turns.edges.map((e) => e.node)
        .at(-1);
    await expect
      .poll(lastTurn, { timeout: 10_000 })
      .toMatchObject({ role: 'ASSISTANT', interrupted: true, text: interrupted!.heardText });
    await session.end();
  });
});

describe('the client package across a server restart', () => {
  it('reconnects to the restarted server and the conversation goes on', async () => {
    const database = await openDatabase({});
    const env = { PORT: String(await freePort()) };
    let t = await startTestApp({ env, overrides: { database } });
    try {
      const client = new AvatarClient({ url: t.url, WebSocket: NodeWebSocket });
      await client.signIn(TEST_USERS.admin.username, TEST_USERS.admin.password);
      const persona = await t.gql(
        CreatePersonaMutation,
        { input: { name: 'Restart guide', systemPrompt: 'You are a guide.' } },
        await t.token('admin'),
      );
      const session = await client.createSession({ personaId: persona.data!.createPersona.id });
      const events = record(session);
      const audio = session.openAudioSocket();
      await expect.poll(() => audio.state).toBe('open');
      await session.sendText('Before the restart');
      await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 20_000 }).toBe(1);

      await t.stop();
      await expect.poll(() => session.state).toBe('reconnecting');
      t = await startTestApp({ env, overrides: { database } });
      await expect.poll(() => audio.state, { timeout: 15_000 }).toBe('open');
      await session.sendText('After the restart');
      await expect.poll(() => ofType(events, 'ResponseDone').length, { timeout: 30_000 }).toBe(2);
      expect(session.state).toBe('live');
      const seqs = events.map((e) => e.seq);
      expect(new Set(seqs).size).toBe(seqs.length);
      await session.end();
    } finally {
      await t.stop();
      await database.close();
    }
  });
});
