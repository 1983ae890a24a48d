import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodeSyncFrame } from '../../client/src/audio/sync-frame';
import { runVoiceClient } from '../examples/voice-client';
import { words } from '../src/adapters/stt/testing/transcripts';
import { type FakeOpenAI, startFakeOpenAI } from '../test-support/fake-openai-server';
import { collect, startTestApp, TEST_USERS, type TestApp } from '../test-support/harness';
import {
  CreatePersonaMutation,
  CreateSessionMutation,
  EndSessionMutation,
  InterruptMutation,
  SendTextMutation,
  SessionEventsSubscription,
  SessionQuery,
} from '../test-support/operations';

const typeOf = (r: { data?: { sessionEvents: { __typename: string } } | null }) =>
  r.data?.sessionEvents.__typename;

/** The whole platform on its local providers: Silero VAD, Whisper tiny.en, the local responder, espeak-ng. */
describe('a conversation on the embedded default', () => {
  let t: TestApp;
  let admin: string;
  let personaId: string;
  beforeAll(async () => {
    t = await startTestApp();
    admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Ada', systemPrompt: 'Be brief.' } },
      admin,
    );
    personaId = persona.data!.createPersona.id;
  });
  afterAll(() => t?.stop());

  async function session() {
    const res = await t.gql(CreateSessionMutation, { input: { personaId } }, admin);
    return res.data!.createSession;
  }

  it('answers typed text with transcript, response, speech chunks carrying audio and phonemes, then done', async () => {
    const created = await session();
    const events = collect(
      t.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => typeOf(r) === 'ResponseDone',
    );
    const sent = await t.gql(
      SendTextMutation,
      { sessionId: created.session.id, text: 'What is your name?' },
      admin,
    );
    expect(sent.data?.sendText.accepted).toBe(true);
    const received = (await events).map((r) => r.data!.sessionEvents);
    const types = received.map((e) => e.__typename);
    expect(types[0]).toBe('TranscriptFinal');
    expect(types[1]).toBe('ResponseStarted');
    expect(types.at(-1)).toBe('ResponseDone');
    expect(types.indexOf('ResponseTextDelta')).toBeGreaterThan(1);
    const chunks = received.filter((e) => e.__typename === 'SpeechChunk');
    expect(chunks.length).toBeGreaterThan(0);
    for (const chunk of chunks) {
      if (chunk.__typename !== 'SpeechChunk') continue;
      expect(Buffer.from(chunk.audio, 'base64').length).toBe(
        Math.round((chunk.durationMs * chunk.sampleRate) / 1000) * 2,
      );
      expect(chunk.phonemes.length).toBeGreaterThan(0);
    }
    const done = received.at(-1)!;
    expect(done.__typename === 'ResponseDone' && done.text).toContain('Ada');
    const stored = await t.gql(SessionQuery, { id: created.session.id }, admin);
    expect(stored.data?.session.status).toBe('ACTIVE');
    expect(stored.data?.session.turns.edges.map((e) => e.node.role)).toEqual(['USER', 'ASSISTANT']);
  });

  it('sends sync frames on the audio socket: each 30 fps frame with its own audio and weights', async () => {
    const created = await session();
    const audio = new WebSocket(`${created.audioUrl}?token=${encodeURIComponent(created.sessionToken)}`);
    const binary: Buffer[] = [];
    const text: { type: string; code?: string }[] = [];
    audio.on('message', (data, isBinary) => {
      if (isBinary) binary.push(data as Buffer);
      else text.push(JSON.parse(String(data)));
    });
    await new Promise((resolve) => audio.once('open', resolve));
    await expect.poll(() => text.map((m) => m.type)).toContain('ready');
    // A bad value is refused without changing anything.
    audio.send(
      JSON.stringify({ type: 'audio.start', sampleRate: 16000, encoding: 'pcm16', syncFrames: 'yes' }),
    );
    await expect.poll(() => text.at(-1)).toMatchObject({ type: 'error', code: 'invalid_message' });
    audio.send(
      JSON.stringify({ type: 'audio.start', sampleRate: 16000, encoding: 'pcm16', syncFrames: true }),
    );
    await expect.poll(() => text.map((m) => m.type)).toContain('audio.started');
    const events = collect(
      t.wsClient(created.sessionToken),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => typeOf(r) === 'ResponseDone',
    );
    await t.gql(SendTextMutation, { sessionId: created.session.id, text: 'What is your name?' }, admin);
    const received = (await events).map((r) => r.data!.sessionEvents);
    const chunks = received.flatMap((e) => (e.__typename === 'SpeechChunk' ? [e] : []));
    const expected = received.flatMap((e) => (e.__typename === 'BlendshapeFrames' ? e.frames : []));
    await expect.poll(() => binary.length).toBe(expected.length);
    audio.close();
    const frames = binary.map((b) => decodeSyncFrame(b)!);
    const answer = Buffer.concat(chunks.map((c) => Buffer.from(c.audio, 'base64')));
    for (const [i, frame] of frames.entries()) {
      expect(frame.index).toBe(i);
      expect(frame.responseId).toBe(chunks[0]!.responseId);
      expect([frame.sampleStart, frame.sampleEnd]).toEqual([
        expected[i]!.sampleStart,
        expected[i]!.sampleEnd,
      ]);
      // The frame's audio is exactly that stretch of the answer's SpeechChunks, and its weights are the frame's.
      const stretch = answer.subarray(frame.sampleStart * 2, frame.sampleEnd * 2);
      expect(Buffer.from(frame.samples.buffer).equals(stretch)).toBe(true);
      for (const [k, weight] of expected[i]!.weights.entries()) {
        expect(Math.abs(frame.weights[k]! - weight)).toBeLessThanOrEqual(0.5 / 255 + 1e-6);
      }
    }
    expect(frames.at(-1)!.sampleEnd).toBe(answer.length / 2);
  });

  it('hears a spoken question through the audio socket and answers it in order', async () => {
    const result = await runVoiceClient({
      url: t.url,
      ...TEST_USERS.admin,
      persona: 'Ada',
      question: 'How are you?',
    });
    const types = result.timeline.map((e) => e.event.__typename);
    const at = (type: string) => types.indexOf(type as never);
    expect(at('TranscriptFinal')).toBeGreaterThanOrEqual(0);
    expect(at('TranscriptFinal')).toBeLessThan(at('ResponseStarted'));
    expect(at('ResponseStarted')).toBeLessThan(at('ResponseTextDelta'));
    expect(at('ResponseTextDelta')).toBeLessThan(at('SpeechChunk'));
    expect(types.at(-1)).toBe('ResponseDone');
    const transcript = result.timeline.find((e) => e.event.__typename === 'TranscriptFinal')!.event;
    expect(transcript.__typename === 'TranscriptFinal' && transcript.text).toBe('How are you?');
    // Whisper's word timings, in order, inside the utterance, with confidences.
    const heard = transcript.__typename === 'TranscriptFinal' ? transcript.words : [];
    expect(heard.map((w) => w.word)).toEqual(['How', 'are', 'you?']);
    for (const [i, w] of heard.entries()) {
      expect(w.endMs).toBeGreaterThan(w.startMs);
      expect(w.confidence).toBeGreaterThan(0);
      expect(w.confidence).toBeLessThanOrEqual(1);
      if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual(heard[i - 1]!.startMs);
    }
    expect(result.turns.map((turn) => turn.role)).toEqual(['USER', 'ASSISTANT']);
    // The utterance id the client named in audio.start names the transcript and the answer to it.
    const started = result.timeline.find((e) => e.event.__typename === 'ResponseStarted')!.event;
    expect(transcript.__typename === 'TranscriptFinal' && transcript.utteranceId).toBe('question');
    expect(started.__typename === 'ResponseStarted' && started.inReplyTo).toBe('question');
  });

  it("says the persona's greeting when the session is created with greet, and replays it to late subscribers", async () => {
    const res = await t.gql(CreateSessionMutation, { input: { personaId, greet: true } }, admin);
    const created = res.data!.createSession;
    const received = (
      await collect(
        t.wsClient(created.sessionToken),
        SessionEventsSubscription,
        { sessionId: created.session.id, afterSeq: 0 },
        (r) => typeOf(r) === 'ResponseDone',
      )
    ).map((r) => r.data!.sessionEvents);
    expect(received[0]).toMatchObject({ __typename: 'ResponseStarted', inReplyTo: null });
    expect(received.some((e) => e.__typename === 'SpeechChunk')).toBe(true);
    expect(received.at(-1)).toMatchObject({ __typename: 'ResponseDone', text: 'Hello!' });
    const stored = await t.gql(SessionQuery, { id: created.session.id }, admin);
    expect(stored.data?.session.turns.edges.map((e) => [e.node.role, e.node.text])).toEqual([
      ['ASSISTANT', 'Hello!'],
    ]);
  });

  it('stops at once when the user talks over the answer and keeps only what was heard', async () => {
    const result = await runVoiceClient({
      url: t.url,
      ...TEST_USERS.admin,
      persona: 'Ada',
      question: 'Tell me about yourself please',
      bargeIn: 'Stop, stop, wait a moment.',
    });
    const interrupted = result.timeline.find((e) => e.event.__typename === 'Interrupted')?.event;
    expect(interrupted).toBeDefined();
    if (interrupted?.__typename !== 'Interrupted') return;
    const assistant = result.turns.find((turn) => turn.role === 'ASSISTANT' && turn.interrupted);
    expect(assistant).toBeDefined();
    // The stored answer is exactly what the user heard, which is less than the full answer the model wrote.
    expect(assistant?.text).toBe(interrupted.heardText);
    const written = result.timeline
      .filter((e) => e.event.__typename === 'ResponseTextDelta')
      .map((e) => (e.event.__typename === 'ResponseTextDelta' ? e.event.delta : ''))
      .join('');
    expect(interrupted.heardText.length).toBeLessThan(written.trim().length);
  });

  it('interrupts through the mutation while speaking and says so', async () => {
    const created = await session();
    const events = collect(
      t.wsClient(admin),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => typeOf(r) === 'Interrupted',
    );
    await t.gql(SendTextMutation, { sessionId: created.session.id, text: 'Tell me something long' }, admin);
    // Wait for the first audio, then interrupt: the answer is several seconds long.
    await collect(
      t.wsClient(admin),
      SessionEventsSubscription,
      { sessionId: created.session.id, afterSeq: 0 },
      (r) => typeOf(r) === 'SpeechChunk',
    );
    const res = await t.gql(InterruptMutation, { sessionId: created.session.id }, admin);
    expect(res.data?.interrupt.interrupted).toBe(true);
    expect((await events).map(typeOf)).toContain('Interrupted');
    const idle = await t.gql(InterruptMutation, { sessionId: created.session.id }, admin);
    expect(idle.data?.interrupt.interrupted).toBe(false);
  });

  it('refuses the audio socket for an ended session, a missing token and an API token', async () => {
    const created = await session();
    await t.gql(EndSessionMutation, { id: created.session.id }, admin);
    const status = (url: string) =>
      new Promise<number>((resolve) => {
        const socket = new WebSocket(url);
        socket.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        socket.on('open', () => resolve(101));
        socket.on('error', () => undefined);
      });
    expect(await status(`${created.audioUrl}?token=${created.sessionToken}`)).toBe(410);
    expect(await status(created.audioUrl)).toBe(401);
    expect(await status(`${created.audioUrl}?token=${admin}`)).toBe(403);
    const stored = await t.gql(SessionQuery, { id: created.session.id }, admin);
    expect(stored.data?.session.status).toBe('ENDED');
  });
});

describe('provider failover', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ chat: { error: { status: 500, message: 'upstream down' } } });
    t = await startTestApp({
      env: { OPENAI_BASE_URL: fake.baseURL, OPENAI_API_KEY: 'test', LLM_PROVIDERS: 'openai,local' },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('answers from the OpenAI-compatible endpoint, and from the local responder when it fails', async () => {
    const admin = await t.token('admin');
    const persona = await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Failover', systemPrompt: 'x' } },
      admin,
    );
    const created = (
      await t.gql(CreateSessionMutation, { input: { personaId: persona.data!.createPersona.id } }, admin)
    ).data!.createSession;
    const answer = async (text: string) => {
      const events = collect(
        t.wsClient(admin),
        SessionEventsSubscription,
        { sessionId: created.session.id, afterSeq: 0 },
        (r) =>
          typeOf(r) === 'ResponseDone' &&
          (r.data?.sessionEvents as { text?: string } | undefined)?.text !== lastText,
      );
      await t.gql(SendTextMutation, { sessionId: created.session.id, text }, admin);
      const done = (await events).filter((r) => typeOf(r) === 'ResponseDone').at(-1)!.data!.sessionEvents as {
        text: string;
      };
      lastText = done.text;
      return done.text;
    };
    let lastText = '';
    expect(await answer('Hello there')).toMatch(/offline responder/);
    expect(fake.requests.some((r) => r.path.endsWith('/chat/completions'))).toBe(true);
    fake.setScript({ chat: { content: JSON.stringify({ text: 'Hi from the model.', emotion: 'happy' }) } });
    expect(await answer('Hello again')).toBe('Hi from the model.');
  });
});

/** The embedded default's own language model: SmolLM2-135M in-process, its answers held to the contract. */
describe('a conversation with the in-process language model', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { LLM_PROVIDERS: 'llama,local' } });
    const admin = await t.token('admin');
    await t.gql(
      CreatePersonaMutation,
      { input: { name: 'Lumi', systemPrompt: 'Be brief and kind.' } },
      admin,
    );
  });
  afterAll(() => t?.stop());

  it('hears a spoken question and answers it with the model, in speech, with no failover', async () => {
    const result = await runVoiceClient({
      url: t.url,
      ...TEST_USERS.admin,
      persona: 'Lumi',
      question: 'How are you?',
    });
    const events = result.timeline.map((e) => e.event);
    const transcript = events.find((e) => e.__typename === 'TranscriptFinal');
    expect(words(transcript?.__typename === 'TranscriptFinal' ? transcript.text : '')).toEqual([
      'how',
      'are',
      'you',
    ]);
    expect(events.some((e) => e.__typename === 'SpeechChunk')).toBe(true);
    const done = events.at(-1);
    expect(done?.__typename).toBe('ResponseDone');
    const text = done?.__typename === 'ResponseDone' ? done.text : '';
    expect(text.trim().length).toBeGreaterThan(0);
    // Not the rule-based responder, which the chain would have fallen back to.
    expect(text).not.toMatch(/offline responder|I heard you say/);
    const metrics = await fetch(`${t.url}/metrics`).then((r) => r.text());
    expect(metrics).not.toMatch(/avatar_provider_failovers_total\{from="llama\.cpp/);
    // Held to the contract while decoding: nothing needed repair.
    expect(metrics).toMatch(/avatar_llm_answers_total\{contract="kept"\} 1\n/);
    expect(metrics).not.toMatch(/avatar_llm_answers_total\{contract="repaired"\}/);
  });
});

/** The optional neural voice: Piper, with phoneme timings from its own durations. */
describe('a conversation in the Piper voice', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { TTS_PROVIDERS: 'piper,local' } });
  });
  afterAll(() => t?.stop());

  it('speaks the answer in chunks that carry visemes, with 30 fps frames tiled over the audio', async () => {
    const { received } = await askNewPersona(t, { name: 'Joe', systemPrompt: 'x' }, 'What is your name?');
    const chunks = received.flatMap((e) => (e.__typename === 'SpeechChunk' ? [e] : []));
    expect(chunks.length).toBeGreaterThan(0);
    // Every chunk with speech in it carries its phonemes and visemes; only the pauses between clauses have none.
    const voiced = chunks.filter((c) => c.phonemes.length > 0);
    expect(voiced.length).toBeGreaterThan(chunks.length * 0.75);
    for (const chunk of voiced) expect(chunk.visemes.length).toBeGreaterThan(0);
    const samples = chunks.reduce((n, c) => n + Buffer.from(c.audio, 'base64').length / 2, 0);
    const frames = received.flatMap((e) => (e.__typename === 'BlendshapeFrames' ? e.frames : []));
    expect(frames.length).toBe(Math.ceil((samples / chunks[0]!.sampleRate) * 30));
    expect(frames.at(-1)!.sampleEnd).toBe(samples);
  });
});

/** A session with a new persona, asked `text` as typed input: every event up to the answer's ResponseDone. */
async function askNewPersona(
  t: TestApp,
  persona: { name: string; systemPrompt: string; avatarRig?: string },
  text: string,
) {
  const admin = await t.token('admin');
  const created = await t.gql(CreatePersonaMutation, { input: persona }, admin);
  const session = (
    await t.gql(CreateSessionMutation, { input: { personaId: created.data!.createPersona.id } }, admin)
  ).data!.createSession;
  const events = collect(
    t.wsClient(session.sessionToken),
    SessionEventsSubscription,
    { sessionId: session.session.id, afterSeq: 0 },
    (r) => typeOf(r) === 'ResponseDone',
  );
  await t.gql(SendTextMutation, { sessionId: session.session.id, text }, admin);
  return { admin, created: session, received: (await events).map((r) => r.data!.sessionEvents) };
}

/** OpenAI's TTS gives audio only: the chunks' visemes are read back from the face model's frames. */
describe('a conversation in a voice without phoneme timings', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ speech: 'espeak' });
    t = await startTestApp({
      env: {
        OPENAI_BASE_URL: fake.baseURL,
        OPENAI_API_KEY: 'test',
        TTS_PROVIDERS: 'openai',
        LLM_PROVIDERS: 'local',
        // Workflows on: the stored answer is force-aligned afterwards, since its speech came without timings.
        WORKFLOWS: 'embedded',
      },
    });
  });
  afterAll(async () => {
    await t?.stop();
    await fake?.close();
  });

  it('still sends chunks with visemes for the rig, and 30 fps frames tiled over the audio', async () => {
    const { admin, created, received } = await askNewPersona(
      t,
      { name: 'Nova', systemPrompt: 'x', avatarRig: 'oculus' },
      'What is your name?',
    );
    const chunks = received.flatMap((e) => (e.__typename === 'SpeechChunk' ? [e] : []));
    expect(chunks.length).toBeGreaterThan(2);
    expect(chunks.every((c) => c.phonemes.length === 0)).toBe(true);
    // Oculus visemes with the mouth moving, not only silence.
    const cues = chunks.flatMap((c) => c.visemes);
    expect(new Set(cues.map((c) => c.viseme)).size).toBeGreaterThan(3);
    expect(chunks.filter((c) => c.visemes.some((v) => v.viseme !== 'sil')).length).toBeGreaterThan(
      chunks.length / 2,
    );
    const samples = chunks.reduce((n, c) => n + Buffer.from(c.audio, 'base64').length / 2, 0);
    const frames = received.flatMap((e) => (e.__typename === 'BlendshapeFrames' ? e.frames : []));
    expect(frames.length).toBe(Math.ceil((samples / chunks[0]!.sampleRate) * 30));

    // For replay, the stored answer gets word and phone timings by forced alignment of the audio it was sent.
    const done = received.find((e) => e.__typename === 'ResponseDone');
    const aligned = async () => {
      const stored = await t.gql(SessionQuery, { id: created.session.id }, admin);
      return stored.data!.session.turns.edges.map((e) => e.node).find((turn) => turn.role === 'ASSISTANT')
        ?.alignment as { words: { word: string; startMs: number; endMs: number }[] } | null;
    };
    await expect.poll(aligned, { timeout: 60_000, interval: 500 }).toBeTruthy();
    const { words: timed } = (await aligned())!;
    expect(timed.map((w) => w.word.toLowerCase())).toEqual(
      (done?.__typename === 'ResponseDone' ? done.text : '')
        .toLowerCase()
        .replace(/[^a-z' ]+/g, ' ')
        .split(/\s+/)
        .filter(Boolean),
    );
    expect(timed.at(-1)!.endMs).toBeLessThanOrEqual((samples / chunks[0]!.sampleRate) * 1000 + 1);
    // The alignment's own wait is 60 s: the test's limit must leave room for it after the answer (it was the
    // default 60 s, and a loaded machine running the whole suite hit that first).
  }, 120_000);
});

/** Partial transcripts, turned on: Whisper re-decodes the utterance so far every 500 ms of speech. */
describe('partial transcripts', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { STT_PARTIAL_INTERVAL_MS: '500' } });
  });
  afterAll(() => t?.stop());

  it('shows partial transcripts while the user is still speaking, before the final one', async () => {
    // Long enough (about 9 s) that partials agree well before the end even on a loaded machine: each one
    // re-decodes everything said so far, and the first words are shown once two decodes agree on them.
    const question =
      'Could you tell me where the impressionist paintings are, which floor the modern sculptures are on, ' +
      'and when the museum closes today?';
    const { timeline } = await runVoiceClient({ url: t.url, ...TEST_USERS.admin, question });
    const partials = timeline.filter((e) => e.event.__typename === 'TranscriptPartial');
    const final = timeline.find((e) => e.event.__typename === 'TranscriptFinal')!;
    expect(partials.length).toBeGreaterThan(0);
    // Timed from the end of speech: the first partial came while the user spoke.
    expect(partials[0]!.atMs).toBeLessThan(0);
    expect(timeline.indexOf(partials.at(-1)!)).toBeLessThan(timeline.indexOf(final));
    // Each partial grows the one before it.
    const texts = partials.map((e) => (e.event.__typename === 'TranscriptPartial' ? e.event.text : ''));
    for (let i = 1; i < texts.length; i++) expect(texts[i]!.startsWith(texts[i - 1]!)).toBe(true);
  });
});
