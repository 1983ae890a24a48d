import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runVoiceClient } from '../examples/voice-client';
import {
  type FakeAgentServer,
  startFakeGeminiLive,
  startFakeRealtime,
} from '../test-support/fake-agent-servers';
import { type FakeOpenAI, startFakeOpenAI } from '../test-support/fake-openai-server';
import { collect, postWithFile, startTestApp, TEST_USERS, type TestApp } from '../test-support/harness';
import {
  ArchivePersonaMutation,
  CreateModerationPolicyMutation,
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  ModerationFlagsQuery,
  SendImageMutation,
  SendTextMutation,
  SessionEventsSubscription,
  SessionQuery,
  SetPersonaMutation,
} from '../test-support/operations';

type Received = Awaited<ReturnType<typeof askText>>['received'];
const ANSWER = 'I am Echo, a voice that came over the wire. It is nice to hear from you today.';

/** A local HTTP tool endpoint: records calls, answers per path (JSON, invalid JSON, or too late). */
async function startToolServer() {
  const calls: { path: string; headers: Record<string, unknown>; body: unknown }[] = [];
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      calls.push({ path: req.url ?? '', headers: req.headers, body: JSON.parse(body || '{}') });
      if (req.url === '/weather') {
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ city: 'Oslo', celsius: 4 }));
      } else if (req.url === '/broken') res.end('<html>not json');
      else if (req.url === '/slow') setTimeout(() => res.end('{}'), 3000);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, calls, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

/** Sends `text` and returns the session's events from the last exchange's end up to this answer's ResponseDone. */
async function askText(t: TestApp, token: string, sessionId: string, text: string, sessionToken: string) {
  const events = collect(
    t.wsClient(sessionToken),
    SessionEventsSubscription,
    { sessionId, afterSeq: lastSeq.get(sessionId) ?? 0 },
    (r) => r.data?.sessionEvents.__typename === 'ResponseDone',
    30_000,
  );
  await t.gql(SendTextMutation, { sessionId, text }, token);
  const received = (await events).map((r) => r.data!.sessionEvents);
  const seqs = received.flatMap((e) => ('seq' in e ? [e.seq] : []));
  lastSeq.set(sessionId, Math.max(lastSeq.get(sessionId) ?? 0, ...seqs));
  return { received };
}
/** The last event seen of each session: each exchange reads only its own events. */
const lastSeq = new Map<string, number>();

/** A 1×1 PNG. */
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==',
  'base64',
);

/** `sendImage` as a GraphQL multipart request. */
const sendImage = (t: TestApp, token: string, sessionId: string, bytes: Uint8Array, type: string) =>
  postWithFile(t.url, SendImageMutation, { sessionId }, { variable: 'image', bytes, type }, token);

const ofType = <T extends Received[number]['__typename']>(received: Received, type: T) =>
  received.filter((e): e is Extract<Received[number], { __typename: T }> => e.__typename === type);

/**
 * Asks the persona "Who are you?" aloud through the audio socket and checks what any client sees of the agent's
 * answer: its transcript of the question, chunks with visemes read from its 24 kHz audio, 30 fps frames tiled
 * exactly over that audio, moderated text deltas, and the stored turns.
 */
async function askAloud(t: TestApp, persona: string) {
  const result = await runVoiceClient({ url: t.url, ...TEST_USERS.admin, persona, question: 'Who are you?' });
  const events = result.timeline.map((e) => e.event);
  const types = events.map((e) => e.__typename);
  expect(types).toContain('ResponseStarted');
  expect(types.at(-1)).toBe('ResponseDone');
  const transcript = events.find((e) => e.__typename === 'TranscriptFinal');
  expect(transcript).toMatchObject({ text: 'Who are you?', utteranceId: 'question' });
  const chunks = events.flatMap((e) => (e.__typename === 'SpeechChunk' ? [e] : []));
  expect(chunks.length).toBeGreaterThan(3);
  // Visemes read from the agent's audio, for the persona's rig.
  expect(chunks.filter((c) => c.visemes.length > 0).length).toBeGreaterThan(chunks.length / 2);
  const samples = chunks.reduce((n, c) => n + Buffer.from(c.audio, 'base64').length / 2, 0);
  expect(chunks[0]!.sampleRate).toBe(24_000);
  const frames = events.flatMap((e) => (e.__typename === 'BlendshapeFrames' ? e.frames : []));
  expect(frames.length).toBe(Math.ceil((samples / 24_000) * 30));
  for (const [i, frame] of frames.entries()) {
    expect(frame.index).toBe(i);
    expect(frame.sampleStart).toBe(i === 0 ? 0 : frames[i - 1]!.sampleEnd);
  }
  expect(frames.at(-1)!.sampleEnd).toBe(samples);
  const text = events.flatMap((e) => (e.__typename === 'ResponseTextDelta' ? [e.delta] : [])).join('');
  expect(text).toBe(ANSWER);
  expect(events.at(-1)).toMatchObject({ __typename: 'ResponseDone', text: ANSWER });
  expect(result.turns.map((turn) => [turn.role, turn.text])).toEqual([
    ['USER', 'Who are you?'],
    ['ASSISTANT', ANSWER],
  ]);
}

/**
 * Asks `persona` aloud for a long story and talks over it: returns the `Interrupted` event, the voice client's
 * result and what the agent received, once its item was truncated at the played milliseconds.
 */
async function talkOverStory(t: TestApp, fake: FakeAgentServer, persona: string) {
  fake.setTurns([
    { inputTranscript: 'Tell me a story.', answer: `${ANSWER} ${ANSWER} ${ANSWER}`, deltaDelayMs: 60 },
    { inputTranscript: 'Stop.', answer: 'Sure.' },
  ]);
  const before = fake.received.length;
  const result = await runVoiceClient({
    url: t.url,
    ...TEST_USERS.admin,
    persona,
    question: 'Tell me a story please',
    bargeIn: 'Stop, stop, wait a moment.',
  });
  const interrupted = result.timeline.find((e) => e.event.__typename === 'Interrupted')?.event;
  if (interrupted?.__typename !== 'Interrupted') throw new Error('not interrupted');
  const sent = () => fake.received.slice(before).map((r) => r.message);
  await expect.poll(() => sent().some((m) => m.type === 'conversation.item.truncate')).toBe(true);
  const truncate = sent().find((m) => m.type === 'conversation.item.truncate')!;
  expect(truncate.audio_end_ms).toBe(Math.round(interrupted.playedMs));
  return { interrupted, result, sent: sent() };
}

/**
 * Creates a persona in agent mode whose provider's VAD ends the turns, asks it "Who are you?" aloud (checked as
 * `askAloud` does), and returns what its agent received meanwhile.
 */
async function askAloudWithProviderVad(
  t: TestApp,
  admin: string,
  fake: FakeAgentServer,
  persona: { name: string; systemPrompt: string; agentProvider?: string },
) {
  await t.gql(
    CreatePersonaMutation,
    { input: { ...persona, conversationMode: 'agent', turnDetection: 'provider' } },
    admin,
  );
  fake.setTurns([{ inputTranscript: 'Who are you?', answer: ANSWER }]);
  const before = fake.received.length;
  await askAloud(t, persona.name);
  return fake.received.slice(before).map((r) => r.message);
}

/** A persona in agent mode on OpenAI Realtime (a protocol-faithful fake), with the local cascade as fallback. */
describe('agent mode: OpenAI Realtime', () => {
  let fake: FakeAgentServer;
  let tools: Awaited<ReturnType<typeof startToolServer>>;
  let t: TestApp;
  let admin: string;
  let personaId: string;

  beforeAll(async () => {
    fake = await startFakeRealtime({ turns: [{ inputTranscript: 'Who are you?', answer: ANSWER }] });
    tools = await startToolServer();
    t = await startTestApp({
      // The rule-based responder as the cascade: its answers are known, and no model is loaded for a fallback.
      env: {
        OPENAI_REALTIME_URL: fake.url,
        AGENT_RETRY_AFTER_MS: '1500',
        AGENT_IDLE_TIMEOUT_MS: '1500',
        LLM_PROVIDERS: 'local',
      },
    });
    admin = await t.token('admin');
    const created = await t.gql(
      CreatePersonaMutation,
      {
        input: {
          name: 'Echo',
          systemPrompt: 'You are Echo, a calm voice.',
          conversationMode: 'agent',
          agentVoice: 'verse',
          tools: [
            { builtin: 'current_time' },
            {
              name: 'weather',
              description: 'The weather in a city.',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
              url: `${tools.url}/weather`,
              secretHeader: 'X-Tool-Secret',
              secret: 's3cret',
            },
            {
              name: 'broken',
              description: 'Answers badly.',
              parameters: { type: 'object' },
              url: `${tools.url}/broken`,
            },
            {
              name: 'slow',
              description: 'Too slow.',
              parameters: { type: 'object' },
              url: `${tools.url}/slow`,
              timeoutMs: 300,
            },
          ],
        },
      },
      admin,
    );
    expect(created.errors).toBeUndefined();
    personaId = created.data!.createPersona.id;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
    await tools?.close();
  });

  async function session() {
    const res = await t.gql(CreateSessionMutation, { input: { personaId } }, admin);
    return res.data!.createSession;
  }

  it('answers a spoken question with the agent: transcripts, chunks with visemes, 30 fps frames tiled over its audio', async () => {
    fake.setTurns([{ inputTranscript: 'Who are you?', answer: ANSWER }]);
    const before = fake.received.length;
    await askAloud(t, 'Echo');
    // What the agent received: the persona in its instructions, our audio at 24 kHz, committed by our turn end.
    const sent = fake.received.slice(before).map((r) => r.message);
    const update = sent.find((m) => m.type === 'session.update')!.session as Record<string, unknown>;
    expect(update).toMatchObject({ voice: 'verse', turn_detection: null, input_audio_format: 'pcm16' });
    expect(String(update.instructions)).toContain('You are Echo, a calm voice.');
    expect((update.tools as { name: string }[]).map((tool) => tool.name)).toEqual([
      'express',
      'current_time',
      'weather',
      'broken',
      'slow',
    ]);
    const appended = sent
      .filter((m) => m.type === 'input_audio_buffer.append')
      .reduce((n, m) => n + Buffer.from(String(m.audio), 'base64').length / 2, 0);
    expect(appended).toBeGreaterThan(24_000 * 0.5);
    expect(sent.map((m) => m.type)).toEqual(
      expect.arrayContaining(['input_audio_buffer.commit', 'response.create']),
    );
  });

  it('cuts the agent at a barge-in and truncates its item to the played milliseconds', async () => {
    const { interrupted, result, sent } = await talkOverStory(t, fake, 'Echo');
    expect(sent.map((m) => m.type)).toContain('response.cancel');
    expect(interrupted.heardText.length).toBeLessThan(ANSWER.length * 3);
    const assistant = result.turns.find((turn) => turn.role === 'ASSISTANT' && turn.interrupted);
    expect(assistant?.text).toBe(interrupted.heardText);
  });

  it('finishes and stores an answer whose client vanished, and lets the agent connection go when the session ends', async () => {
    const created = await session();
    const sessionId = created.session.id;
    fake.setTurns([{ answer: ANSWER, deltaDelayMs: 40 }]);
    const open = fake.connections - fake.closedConnections;
    const client = t.wsClient(created.sessionToken);
    // The client leaves as soon as the answer starts to speak.
    const speaking = collect(
      client,
      SessionEventsSubscription,
      { sessionId, afterSeq: 0 },
      (r) => r.data?.sessionEvents.__typename === 'SpeechChunk',
    );
    await t.gql(SendTextMutation, { sessionId, text: 'Who are you?' }, admin);
    await speaking;
    await client.dispose();
    const assistant = async () =>
      (await t.gql(SessionQuery, { id: sessionId }, admin)).data!.session.turns.edges.find(
        (e) => e.node.role === 'ASSISTANT',
      )?.node.text;
    await expect.poll(assistant, { timeout: 20_000 }).toBe(ANSWER);
    expect(fake.connections - fake.closedConnections).toBe(open + 1);
    await t.gql(EndSessionMutation, { id: sessionId }, admin);
    await expect.poll(() => fake.connections - fake.closedConnections).toBe(open);
  });

  it('runs the tools the agent calls and feeds their results back; each call is an event', async () => {
    const created = await session();
    const sessionId = created.session.id;
    const ask = (text: string) => askText(t, admin, sessionId, text, created.sessionToken);
    fake.setTurns([
      { answer: 'It is four degrees in Oslo.', toolCall: { name: 'weather', arguments: { city: 'Oslo' } } },
    ]);
    const { received } = await ask('What is the weather in Oslo?');
    const calls = ofType(received, 'ToolCall');
    expect(calls.map((c) => c.status)).toEqual(['STARTED', 'DONE']);
    expect(calls[1]).toMatchObject({ name: 'weather', result: JSON.stringify({ city: 'Oslo', celsius: 4 }) });
    const hit = tools.calls.at(-1)!;
    expect(hit.body).toEqual({ city: 'Oslo' });
    expect(hit.headers['x-tool-secret']).toBe('s3cret');
    expect(fake.toolOutputs().at(-1)).toBe(JSON.stringify({ city: 'Oslo', celsius: 4 }));
    expect(ofType(received, 'ResponseDone').at(-1)?.text).toBe('It is four degrees in Oslo.');

    // The agent's own side channel: emotion and gestures (from the persona's library), not a tool call for clients.
    fake.setTurns([
      {
        answer: 'Hello there!',
        toolCall: { name: 'express', arguments: { emotion: 'happy', gestures: ['wave', 'moonwalk'] } },
      },
    ]);
    const expressed = (await ask('Hi!')).received;
    expect(ofType(expressed, 'ToolCall')).toEqual([]);
    expect(ofType(expressed, 'GestureEvent').map((g) => [g.gesture, g.startMs])).toEqual([['wave', 0]]);
    expect(ofType(expressed, 'ResponseDone').at(-1)).toMatchObject({
      emotion: 'happy',
      text: 'Hello there!',
    });
    expect(JSON.parse(String(fake.toolOutputs().at(-1)))).toEqual({ ok: true, dropped: ['moonwalk'] });

    // The built-in clock.
    fake.setTurns([{ answer: 'It is late.', toolCall: { name: 'current_time', arguments: {} } }]);
    const clock = ofType((await ask('What time is it?')).received, 'ToolCall').at(-1)!;
    expect(clock.status).toBe('DONE');
    expect(Date.parse(JSON.parse(clock.result!).iso)).toBeGreaterThan(Date.now() - 60_000);

    // Bad tools: each a FAILED event with its code, fed back to the model as an error; the answer goes on.
    for (const [name, args, code] of [
      ['teleport', {}, 'UNKNOWN_TOOL'],
      ['weather', { town: 'Oslo' }, 'INVALID_ARGUMENTS'],
      ['weather', '{"city": ', 'INVALID_ARGUMENTS'],
      ['broken', {}, 'INVALID_RESPONSE'],
      ['slow', {}, 'TIMEOUT'],
    ] as const) {
      fake.setTurns([{ answer: 'That did not work.', toolCall: { name, arguments: args } }]);
      const { received: events } = await ask(`Use ${name}`);
      const failed = ofType(events, 'ToolCall').at(-1)!;
      expect([failed.name, failed.status, failed.errorCode]).toEqual([name, 'FAILED', code]);
      expect(JSON.parse(String(fake.toolOutputs().at(-1))).error.code).toBe(code);
      expect(ofType(events, 'ResponseDone').at(-1)?.text).toBe('That did not work.');
    }
  });

  it('fails over to the cascade when the agent drops, sends malformed events or goes quiet, and comes back later', async () => {
    for (const fail of ['drop', 'malformed', 'stall'] as const) {
      const created = await session();
      const sessionId = created.session.id;
      fake.setTurns([{ answer: ANSWER, fail, failAfterDeltas: 3 }]);
      const { received } = await askText(t, admin, sessionId, 'What is your name?', created.sessionToken);
      const changed = ofType(received, 'ConversationModeChanged');
      expect(changed).toHaveLength(1);
      expect(changed[0]).toMatchObject({ mode: 'CASCADE' });
      // The cascade (the local responder) answered the same question, after the agent's first audio.
      const done = ofType(received, 'ResponseDone').at(-1)!;
      expect(done.text).toContain('Echo');
      expect(ofType(received, 'ResponseStarted')).toHaveLength(1);
      // Within the retry window the cascade answers; then the agent is tried again, and is back.
      fake.setTurns([{ answer: 'Back again.' }]);
      const next = await askText(t, admin, sessionId, 'Are you there?', created.sessionToken);
      expect(ofType(next.received, 'ResponseDone').at(-1)?.text).not.toBe('Back again.');
      await new Promise((resolve) => setTimeout(resolve, 1600));
      const later = await askText(t, admin, sessionId, 'And now?', created.sessionToken);
      expect(ofType(later.received, 'ConversationModeChanged').at(-1)).toMatchObject({ mode: 'AGENT' });
      expect(ofType(later.received, 'ResponseDone').at(-1)?.text).toBe('Back again.');
      // The connection it came back on was given the conversation so far, each answer as far as it was heard.
      const items = fake.received
        .filter((r) => r.connection === fake.connections && r.message.type === 'conversation.item.create')
        .map((r) => r.message.item as { role: string; content: { text: string }[] });
      expect(items.filter((i) => i.role === 'user').map((i) => i.content[0]!.text)).toEqual([
        'What is your name?',
        'Are you there?',
        'And now?',
      ]);
      const answers = [done.text, ofType(next.received, 'ResponseDone').at(-1)!.text];
      for (const item of items.filter((i) => i.role === 'assistant'))
        expect(answers.some((answer) => answer.startsWith(item.content[0]!.text))).toBe(true);
      const stored = await t.gql(SessionQuery, { id: sessionId }, admin);
      expect(stored.data!.session.turns.edges.map((e) => e.node.role)).toEqual([
        'USER',
        'ASSISTANT',
        'USER',
        'ASSISTANT',
        'USER',
        'ASSISTANT',
      ]);
    }
  });

  it('answers with the cascade when the agent refuses the connection, and says so once', async () => {
    fake.setRefuse(true);
    try {
      const created = await session();
      const first = await askText(t, admin, created.session.id, 'Hello?', created.sessionToken);
      expect(ofType(first.received, 'ConversationModeChanged')).toMatchObject([{ mode: 'CASCADE' }]);
      expect(ofType(first.received, 'ResponseDone').at(-1)?.text.length).toBeGreaterThan(0);
    } finally {
      fake.setRefuse(false);
    }
  });

  it("moderates the agent's transcript: a flagged sentence cuts the agent, the fallback is spoken, the flag is queued", async () => {
    await t.gql(
      CreateModerationPolicyMutation,
      { input: { name: 'no-plutonium', blockTerms: ['plutonium'], action: 'REPLACE', personaId } },
      admin,
    );
    const created = await session();
    const before = fake.received.length;
    const said =
      'I can help with that. The plutonium is in the basement. Then we will talk about it at length, friend.';
    fake.setTurns([{ answer: said, deltaDelayMs: 40 }]);
    const { received } = await askText(t, admin, created.session.id, 'Where is it?', created.sessionToken);
    const shown = ofType(received, 'ResponseTextDelta')
      .map((e) => e.delta)
      .join('');
    expect(shown).toBe("I can help with that. Let's talk about something else.");
    expect(ofType(received, 'ResponseDone').at(-1)).toMatchObject({
      moderated: true,
      text: "I can help with that. Let's talk about something else.",
    });
    // The fallback is our TTS's (espeak-ng: chunks with phoneme timings), after the agent's audio.
    const chunks = ofType(received, 'SpeechChunk');
    expect(chunks[0]!.phonemes).toEqual([]);
    expect(chunks.at(-1)!.phonemes.length).toBeGreaterThan(0);
    // The agent was stopped and its item cut where its audio stopped.
    const sent = fake.received.slice(before).map((r) => r.message.type);
    expect(sent).toEqual(expect.arrayContaining(['response.cancel', 'conversation.item.truncate']));
    const flags = await t.gql(ModerationFlagsQuery, { status: 'PENDING' }, admin);
    const flag = flags.data!.moderationFlags.edges.find((e) => e.node.text.includes('plutonium'))?.node;
    expect(flag?.turnId).toBeTruthy();
    const stored = await t.gql(SessionQuery, { id: created.session.id }, admin);
    expect(stored.data!.session.turns.edges.map((e) => e.node.text).join(' ')).not.toContain('plutonium');
  });

  it('sends an image to the agent with the next turn; refuses files that are not images or too large', async () => {
    const created = await session();
    const sessionId = created.session.id;
    const sent = await sendImage(t, admin, sessionId, PNG, 'image/png');
    expect(sent.body.data?.sendImage.mimeType).toBe('image/png');
    // The declared type is not trusted: a text file called image/png is refused, and so is one too large.
    const text = await sendImage(t, admin, sessionId, Buffer.from('hello, not an image'), 'image/png');
    expect(text.body.errors?.[0]?.extensions?.code).toBe('BAD_INPUT');
    const big = Buffer.concat([PNG, Buffer.alloc(600 * 1024)]);
    const large = await sendImage(t, admin, sessionId, big, 'image/png');
    expect(large.body.errors?.[0]?.extensions?.code).toBe('TOO_LARGE');
    const huge = await sendImage(t, admin, sessionId, Buffer.concat([big, big]), 'image/png');
    expect([huge.status, huge.body.error?.code]).toEqual([413, 'TOO_LARGE']);

    const before = fake.received.length;
    fake.setTurns([{ answer: 'A tiny picture.' }]);
    await askText(t, admin, sessionId, 'What do you see?', created.sessionToken);
    const item = fake.received
      .slice(before)
      .map((r) => r.message)
      .find((m) => m.type === 'conversation.item.create')!.item as {
      content: { type: string; image_url?: string; text?: string }[];
    };
    expect(item.content).toEqual([
      { type: 'input_image', image_url: `data:image/png;base64,${PNG.toString('base64')}` },
      { type: 'input_text', text: 'What do you see?' },
    ]);
  });

  it('switches persona mid-session at the next turn: agent to cascade, with an event; refuses personas the user may not use', async () => {
    const plain = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Plain', systemPrompt: 'Be plain.' } },
      admin,
    );
    const plainId = plain.data!.createPersona.id;
    const created = await session();
    const sessionId = created.session.id;
    fake.setTurns([{ answer: 'Echo here.' }]);
    const first = await askText(t, admin, sessionId, 'Hi?', created.sessionToken);
    expect(ofType(first.received, 'ResponseDone').at(-1)?.text).toBe('Echo here.');
    const switched = await t.gql(SetPersonaMutation, { sessionId, personaId: plainId }, admin);
    expect(switched.data?.setPersona.persona.name).toBe('Plain');
    const second = await askText(t, admin, sessionId, 'What is your name?', created.sessionToken);
    expect(ofType(second.received, 'PersonaChanged').at(-1)).toMatchObject({
      personaId: plainId,
      name: 'Plain',
    });
    // The cascade's local responder now answers as Plain.
    expect(ofType(second.received, 'ResponseDone').at(-1)?.text).toContain('Plain');

    const archived = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Gone', systemPrompt: 'x' } },
      admin,
    );
    await t.gql(ArchivePersonaMutation, { id: archived.data!.createPersona.id }, admin);
    const refused = await t.gql(
      SetPersonaMutation,
      { sessionId, personaId: archived.data!.createPersona.id },
      admin,
    );
    expect(refused.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    // Another user's session cannot be switched either.
    const bob = await t.token('bob');
    const foreign = await t.gql(SetPersonaMutation, { sessionId, personaId: plainId }, bob);
    expect(foreign.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });

  it("lets the provider's VAD end the turns: the audio streams to the agent, which answers and is cut by speech", async () => {
    const sent = await askAloudWithProviderVad(t, admin, fake, { name: 'Vad', systemPrompt: 'You are Vad.' });
    const update = sent.find((m) => m.type === 'session.update')!.session as Record<string, unknown>;
    expect(update.turn_detection).toMatchObject({ type: 'server_vad' });
    // The provider decided the turn and answered on its own: we neither committed nor asked for a response.
    expect(sent.map((m) => m.type)).not.toContain('input_audio_buffer.commit');
    expect(sent.map((m) => m.type)).not.toContain('response.create');
    expect(sent.filter((m) => m.type === 'input_audio_buffer.append').length).toBeGreaterThan(10);

    // Talking over the answer: the provider's VAD (and ours) cut it, and its item is truncated to what played.
    const { interrupted, result } = await talkOverStory(t, fake, 'Vad');
    expect(result.turns.find((turn) => turn.interrupted)?.text).toBe(interrupted.heardText);
  });

  it('refuses bad agent settings and tools with typed errors, changing nothing', async () => {
    const bad = [
      { conversationMode: 'telepathy' },
      { agentProvider: 'skynet' },
      { tools: [{ builtin: 'self_destruct' }] },
      { tools: [{ name: 'x', description: 'd', parameters: { type: 'string' }, url: 'http://h/' }] },
      { tools: [{ name: 'x', description: 'd', parameters: { type: 'object' }, url: 'ftp://h/' }] },
      {
        tools: [
          { name: 'x', description: 'd', parameters: { type: 'object' }, url: 'http://h/', secret: 'only' },
        ],
      },
      { tools: [{ builtin: 'current_time' }, { builtin: 'current_time' }] },
      { tools: [{ name: 'express', description: 'd', parameters: { type: 'object' }, url: 'http://h/' }] },
      { turnDetection: 'telepathic' },
    ];
    for (const input of bad) {
      const res = await t.gql(
        CreatePersonaMutation,
        { input: { name: 'Bad', systemPrompt: 'x', ...input } },
        admin,
      );
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_INPUT');
    }
  });
});

/** The same persona on Gemini Live: the same event stream for clients, Gemini's protocol underneath. */
describe('agent mode: Gemini Live', () => {
  let fake: FakeAgentServer;
  let t: TestApp;
  let admin: string;
  let personaId: string;

  beforeAll(async () => {
    fake = await startFakeGeminiLive({ turns: [{ inputTranscript: 'Who are you?', answer: ANSWER }] });
    t = await startTestApp({
      env: {
        GEMINI_LIVE_URL: fake.url,
        GEMINI_API_KEY: 'test-key',
        AGENT_IDLE_TIMEOUT_MS: '1500',
        LLM_PROVIDERS: 'local',
      },
    });
    admin = await t.token('admin');
    const created = await t.gql(
      CreatePersonaMutation,
      {
        input: {
          name: 'Gem',
          systemPrompt: 'You are Gem, a bright voice.',
          conversationMode: 'agent',
          agentProvider: 'gemini-live',
          agentVoice: 'Puck',
          tools: [{ builtin: 'current_time' }],
        },
      },
      admin,
    );
    personaId = created.data!.createPersona.id;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('answers a spoken question: transcripts both ways, chunks with visemes and frames tiled over the audio', async () => {
    await askAloud(t, 'Gem');
    const sent = fake.received.map((r) => r.message);
    expect(sent[0]!.setup).toMatchObject({
      model: 'models/gemini-2.0-flash-live-001',
      generationConfig: { speechConfig: { voiceConfig: { prebuiltVoiceConfig: { voiceName: 'Puck' } } } },
      realtimeInputConfig: { automaticActivityDetection: { disabled: true } },
      tools: [
        {
          functionDeclarations: [
            expect.objectContaining({ name: 'express' }),
            expect.objectContaining({ name: 'current_time' }),
          ],
        },
      ],
    });
    expect(JSON.stringify(sent[0]!.setup)).toContain('You are Gem, a bright voice.');
    const inputs = sent.flatMap((m) => (m.realtimeInput ? [m.realtimeInput] : []));
    expect(inputs[0]).toEqual({ activityStart: {} });
    expect(inputs.at(-1)).toEqual({ activityEnd: {} });
    expect(inputs[1]).toMatchObject({ audio: { mimeType: 'audio/pcm;rate=16000' } });
    expect(fake.upgrades[0]!.url).toContain('key=test-key');
  });

  it("lets Gemini's activity detection end the turns when the persona asks for it", async () => {
    const sent = await askAloudWithProviderVad(t, admin, fake, {
      name: 'GemVad',
      systemPrompt: 'You are Gem.',
      agentProvider: 'gemini-live',
    });
    expect(sent.find((m) => m.setup)!.setup).not.toHaveProperty('realtimeInputConfig');
    const inputs = sent.flatMap((m) => (m.realtimeInput ? [m.realtimeInput as Record<string, unknown>] : []));
    expect(inputs.some((i) => 'activityStart' in i || 'activityEnd' in i)).toBe(false);
    expect(inputs.length).toBeGreaterThan(10);
  });

  it('runs a tool call through toolResponse, and fails over to the cascade when Gemini drops', async () => {
    const created = await (await t.gql(CreateSessionMutation, { input: { personaId } }, admin)).data!
      .createSession;
    const sessionId = created.session.id;
    fake.setTurns([{ answer: 'It is noon.', toolCall: { name: 'current_time', arguments: {} } }]);
    const { received } = await askText(t, admin, sessionId, 'What time is it?', created.sessionToken);
    expect(ofType(received, 'ToolCall').map((c) => c.status)).toEqual(['STARTED', 'DONE']);
    expect(JSON.parse(JSON.stringify(fake.toolOutputs().at(-1)))).toHaveProperty('iso');
    expect(ofType(received, 'ResponseDone').at(-1)?.text).toBe('It is noon.');

    fake.setTurns([{ answer: ANSWER, fail: 'drop', failAfterDeltas: 2 }]);
    const dropped = await askText(t, admin, sessionId, 'What is your name?', created.sessionToken);
    expect(ofType(dropped.received, 'ConversationModeChanged')).toMatchObject([{ mode: 'CASCADE' }]);
    expect(ofType(dropped.received, 'ResponseDone').at(-1)?.text).toContain('Gem');
  });
});

/** Tools, images and actions in cascade mode, through an OpenAI-compatible chat model (a protocol-faithful fake). */
describe('cascade mode: tools, images and actions with a chat model', () => {
  let fake: FakeOpenAI;
  let tools: Awaited<ReturnType<typeof startToolServer>>;
  let t: TestApp;
  let admin: string;
  let personaId: string;
  const answer = (text: string, actions: string[] = []) =>
    JSON.stringify({ text, gesture_plan: [], emotion: 'neutral', actions });

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    tools = await startToolServer();
    t = await startTestApp({
      env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test', LLM_PROVIDERS: 'openai,local' },
    });
    admin = await t.token('admin');
    const created = await t.gql(
      CreatePersonaMutation,
      {
        input: {
          name: 'Casey',
          systemPrompt: 'You are Casey.',
          tools: [
            { builtin: 'current_time' },
            {
              name: 'weather',
              description: 'The weather in a city.',
              parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] },
              url: `${tools.url}/weather`,
            },
            {
              name: 'slow',
              description: 'Too slow.',
              parameters: { type: 'object' },
              url: `${tools.url}/slow`,
              timeoutMs: 300,
            },
          ],
        },
      },
      admin,
    );
    personaId = created.data!.createPersona.id;
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
    await tools?.close();
  });

  async function session() {
    return (await t.gql(CreateSessionMutation, { input: { personaId } }, admin)).data!.createSession;
  }
  const chatRequests = () => fake.requests.filter((r) => r.path === '/chat/completions');

  it('runs the tools the chat model calls and answers with their results; a failing tool is an event and the answer goes on', async () => {
    const created = await session();
    const ask = (text: string) => askText(t, admin, created.session.id, text, created.sessionToken);
    fake.setScript({
      chat: [
        { toolCalls: [{ name: 'weather', arguments: '{"city":"Oslo"}' }] },
        { content: answer('It is four degrees.') },
      ],
    });
    const before = chatRequests().length;
    const { received } = await ask('What is the weather in Oslo?');
    expect(ofType(received, 'ToolCall').map((c) => [c.name, c.status])).toEqual([
      ['weather', 'STARTED'],
      ['weather', 'DONE'],
    ]);
    expect(ofType(received, 'ResponseDone').at(-1)?.text).toBe('It is four degrees.');
    const [first, second] = chatRequests()
      .slice(before)
      .map((r) => r.body);
    expect((first!.tools as { function: { name: string } }[]).map((tool) => tool.function.name)).toEqual([
      'current_time',
      'weather',
      'slow',
    ]);
    const followUp = second!.messages as { role: string; content: unknown; tool_calls?: unknown[] }[];
    expect(followUp.at(-2)).toMatchObject({
      role: 'assistant',
      tool_calls: [expect.objectContaining({ type: 'function' })],
    });
    expect(followUp.at(-1)).toMatchObject({
      role: 'tool',
      content: JSON.stringify({ city: 'Oslo', celsius: 4 }),
    });

    fake.setScript({
      chat: [{ toolCalls: [{ name: 'slow', arguments: '{}' }] }, { content: answer('It took too long.') }],
    });
    const slow = await ask('Try the slow one.');
    expect(ofType(slow.received, 'ToolCall').at(-1)).toMatchObject({
      status: 'FAILED',
      errorCode: 'TIMEOUT',
    });
    expect(ofType(slow.received, 'ResponseDone').at(-1)?.text).toBe('It took too long.');
  });

  it("sends an image to the chat model as an image part of the user's next message", async () => {
    const created = await session();
    expect(
      (await sendImage(t, admin, created.session.id, PNG, 'image/png')).body.data?.sendImage.mimeType,
    ).toBe('image/png');
    fake.setScript({ chat: { content: answer('A tiny picture.') } });
    const before = chatRequests().length;
    await askText(t, admin, created.session.id, 'What do you see?', created.sessionToken);
    const messages = chatRequests()[before]!.body.messages as { role: string; content: unknown }[];
    expect(messages.at(-1)).toEqual({
      role: 'user',
      content: [
        { type: 'text', text: 'What do you see?' },
        { type: 'image_url', image_url: { url: `data:image/png;base64,${PNG.toString('base64')}` } },
      ],
    });
  });

  it("delivers the answer's actions as typed events before it ends", async () => {
    const created = await session();
    fake.setScript({ chat: { content: answer('Opening the map.', ['open_map']) } });
    const { received } = await askText(
      t,
      admin,
      created.session.id,
      'Show me the map.',
      created.sessionToken,
    );
    const types = received.map((e) => e.__typename);
    expect(ofType(received, 'AvatarAction').map((a) => a.action)).toEqual(['open_map']);
    expect(types.indexOf('AvatarAction')).toBeLessThan(types.indexOf('ResponseDone'));
  });
});
