import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../test-support/fake-openai-server';
import { FAKE_AGENT_RATE, FakeAgent, type FakeAgentTurn } from '../adapters/agent/testing/fake';
import { LocalResponderLlm } from '../adapters/llm/local-responder';
import { OpenAILlm } from '../adapters/llm/openai';
import { FakeLlm, type FakeLlmTurn } from '../adapters/llm/testing/fake';
import type { LLMAdapter, LlmRequest } from '../adapters/llm/types';
import { FakeStt } from '../adapters/stt/testing/fake';
import { RecordingTracer } from '../adapters/testing/recording-trace';
import { FakeTts, type FakeTtsScript } from '../adapters/tts/testing/fake';
import { InMemoryConversationHistory } from '../db/conversation-history';
import type { SessionEventPayload } from '../domain/session-events';
import { AppError, ProviderError } from '../errors';
import { AgentLink } from './agent-link';
import type { ModerationVerdict, TurnRecord } from './ports';
import {
  type RuntimePersona,
  SessionRuntime,
  type SessionRuntimeConfig,
  type SessionRuntimeDeps,
} from './session-runtime';
import { createBasicSpeechRenderer, type SpeechRenderer } from './speech-renderer';

const persona = {
  id: 'p1',
  name: 'Ada',
  systemPrompt: 'Be brief.',
  gestureLibrary: ['nod', 'wave'],
  defaultEmotion: 'neutral',
  voice: 'en-us',
};

const answer = (text: string, extra: Record<string, unknown> = {}) =>
  JSON.stringify({ text, gesture_plan: [], emotion: 'happy', actions: [], ...extra });

type Logged = SessionEventPayload | { type: 'llm-finished' };

/** An LLM wrapper that marks in the event log when the model finished streaming. */
function markingLlm(inner: FakeLlm, log: Logged[]): LLMAdapter {
  return {
    label: inner.label,
    capabilities: inner.capabilities,
    prepare: (req) => inner.prepare(req),
    async *stream(req: LlmRequest) {
      yield* inner.stream(req);
      log.push({ type: 'llm-finished' });
    },
  };
}

function setup(
  opts: {
    llm?: FakeLlmTurn | FakeLlmTurn[];
    tts?: Partial<FakeTtsScript>;
    transcript?: string;
    moderate?: (text: string) => ModerationVerdict | Promise<ModerationVerdict>;
    persona?: Partial<RuntimePersona>;
    timeouts?: SessionRuntimeConfig['timeouts'];
    deps?: Partial<SessionRuntimeDeps>;
  } = {},
) {
  const log: Logged[] = [];
  const clock = { t: 0, now: () => clock.t };
  const llm = new FakeLlm(opts.llm ?? { content: answer('Hello there. How are you?') });
  const tts = new FakeTts({ script: { msPerChar: 50, chunkMs: 200, ...opts.tts } });
  const stt = new FakeStt({ transcript: opts.transcript ?? 'hi there' });
  const history = new InMemoryConversationHistory();
  const turns: (TurnRecord & { id: string })[] = [];
  const truncated: { id: string; heardText: string }[] = [];
  const warnings: string[] = [];
  const errors: Record<string, unknown>[] = [];
  const deps: SessionRuntimeDeps = {
    stt,
    llm: markingLlm(llm, log),
    tts,
    moderator: {
      moderate: async ({ text }) => opts.moderate?.(text) ?? { allowed: true, text },
      attachTurn: async () => {},
    },
    memory: { recallTexts: async () => ['The user likes tea'] },
    history,
    turns: {
      save: async (_sessionId, turn) => {
        const id = `turn-${turns.length + 1}`;
        turns.push({ ...turn, id });
        return { id };
      },
      truncate: async (id, heardText) => {
        truncated.push({ id, heardText });
      },
    },
    events: { emit: (_sessionId, payload) => log.push(payload) },
    clock,
    log: { warn: (_fields, message) => warnings.push(message), error: (fields) => errors.push(fields) },
    ...opts.deps,
  };
  const runtime = new SessionRuntime(
    {
      sessionId: 's1',
      userId: 'u1',
      persona: { ...persona, ...opts.persona },
      timeouts: opts.timeouts,
      logFields: { sessionId: 's1', userId: 'u1' },
    },
    deps,
  );
  const events = () => log.filter((e): e is SessionEventPayload => e.type !== 'llm-finished');
  const types = () => events().map((e) => e.type);
  return { runtime, log, events, types, clock, llm, tts, stt, history, turns, truncated, warnings, errors };
}

const ofType = <T extends SessionEventPayload['type']>(events: SessionEventPayload[], type: T) =>
  events.filter((e): e is Extract<SessionEventPayload, { type: T }> => e.type === type);

describe('SessionRuntime turn', () => {
  it('answers a typed message with started, moderated text deltas, speech chunks and done, in order', async () => {
    const { runtime, events, types, tts, history, turns } = setup();
    runtime.userText('Hi Ada');
    await runtime.whenIdle();

    const order = types();
    // Typed text is echoed as the transcript, like recognised speech.
    expect(order.slice(0, 2)).toEqual(['TranscriptFinal', 'ResponseStarted']);
    expect(ofType(events(), 'TranscriptFinal')[0]).toMatchObject({ text: 'Hi Ada', confidence: 1 });
    expect(order.at(-1)).toBe('ResponseDone');
    expect(order.filter((t) => t === 'ResponseTextDelta')).toHaveLength(2);
    expect(order).toContain('SpeechChunk');
    const deltas = ofType(events(), 'ResponseTextDelta').map((e) => e.delta);
    const [done] = ofType(events(), 'ResponseDone');
    expect(deltas.join('')).toBe('Hello there. How are you?');
    expect(done).toMatchObject({ text: 'Hello there. How are you?', emotion: 'happy', moderated: false });
    // TTS speaks sentence by sentence, not the whole answer at once.
    expect(tts.calls.map((c) => c.text)).toEqual(['Hello there.', 'How are you?']);
    const chunks = ofType(events(), 'SpeechChunk');
    expect(chunks.map((c) => c.chunkSeq)).toEqual(chunks.map((_, i) => i));
    expect(chunks[1]?.startMs).toBeCloseTo((chunks[0]?.startMs ?? 0) + (chunks[0]?.durationMs ?? 0), 6);
    expect(await history.recent('s1')).toEqual([
      { role: 'user', text: 'Hi Ada' },
      { role: 'assistant', text: 'Hello there. How are you?' },
    ]);
    expect(turns.map((t) => [t.role, t.text, t.interrupted])).toEqual([
      ['USER', 'Hi Ada', false],
      ['ASSISTANT', 'Hello there. How are you?', false],
    ]);
    expect(turns[1]?.timings).toMatchObject({
      firstAudioMs: expect.any(Number),
      llmFirstTokenMs: expect.any(Number),
    });
  });

  it('starts speaking at the first complete sentence, before the model has finished', async () => {
    const content = answer('First sentence here. Then a much longer second sentence follows.');
    const { runtime, log } = setup({ llm: { content, chunkDelayMs: 5 } });
    runtime.userText('go');
    await runtime.whenIdle();
    const firstSpeech = log.findIndex((e) => e.type === 'SpeechChunk');
    const llmFinished = log.findIndex((e) => e.type === 'llm-finished');
    expect(firstSpeech).toBeGreaterThan(-1);
    expect(firstSpeech).toBeLessThan(llmFinished);
  });

  it('transcribes an utterance first and ties the response to its utteranceId', async () => {
    const { runtime, events, stt, llm } = setup({ transcript: 'what is your name' });
    const audio = { samples: new Int16Array(16_000), sampleRate: 16_000 };
    runtime.userUtterance(audio);
    await runtime.whenIdle();
    const [final, started] = events();
    expect(final).toMatchObject({ type: 'TranscriptFinal', text: 'what is your name', confidence: 0.9 });
    expect(started).toMatchObject({
      type: 'ResponseStarted',
      utteranceId: final?.type === 'TranscriptFinal' ? final.utteranceId : 'missing',
    });
    expect(stt.calls[0]?.audio).toBe(audio);
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'what is your name' });
  });

  it('answers an utterance transcribed ahead (at a pause) without transcribing it again', async () => {
    const { runtime, events, stt, llm } = setup({ transcript: 'never asked' });
    const ahead = { text: 'How are you?', isFinal: true, confidence: 0.8, alternatives: [] };
    runtime.userUtterance({ samples: new Int16Array(1600), sampleRate: 16_000 }, 'u-1', {
      transcript: Promise.resolve(ahead),
    });
    await runtime.whenIdle();
    expect(stt.calls).toHaveLength(0);
    expect(events()[0]).toMatchObject({ type: 'TranscriptFinal', utteranceId: 'u-1', text: 'How are you?' });
    expect(llm.requests[0]?.messages.at(-1)).toEqual({ role: 'user', content: 'How are you?' });
  });

  it('previews what an utterance says without answering it or telling anyone', async () => {
    const { runtime, types, llm } = setup({ transcript: 'what is your name' });
    const preview = await runtime.previewTranscript(
      { samples: new Int16Array(1600), sampleRate: 16_000 },
      new AbortController().signal,
    );
    expect(preview).toMatchObject({ text: 'what is your name', isFinal: true });
    expect(types()).toEqual([]);
    expect(llm.requests).toHaveLength(0);
  });

  it('previews nothing on a paid recognizer: it is asked once, when the turn has ended', async () => {
    const stt = new FakeStt({ transcript: 'what is your name' });
    stt.local = false;
    const { runtime } = setup({ deps: { stt } });
    const preview = await runtime.previewTranscript(
      { samples: new Int16Array(1600), sampleRate: 16_000 },
      new AbortController().signal,
    );
    expect(preview).toBeNull();
    expect(stt.calls).toHaveLength(0);
  });

  it('forwards streaming partial transcripts before the final one', async () => {
    const stt = new FakeStt({ transcript: 'hello there', partials: ['hel', 'hello'] });
    const { runtime, events } = setup({ deps: { stt } });
    runtime.userUtterance({ samples: new Int16Array(1600), sampleRate: 16_000 });
    await runtime.whenIdle();
    expect(
      events()
        .slice(0, 3)
        .map((e) => (e.type.startsWith('Transcript') && 'text' in e ? [e.type, e.text] : e.type)),
    ).toEqual([
      ['TranscriptPartial', 'hel'],
      ['TranscriptPartial', 'hello'],
      ['TranscriptFinal', 'hello there'],
    ]);
  });

  it('abandons a turn interrupted while still transcribing, without an Interrupted event', async () => {
    const stt = new FakeStt({ transcript: 'never finished', latencyMs: 10_000 });
    const { runtime, types: typesOf, llm } = setup({ deps: { stt } });
    runtime.userUtterance({ samples: new Int16Array(1600), sampleRate: 16_000 });
    await expect.poll(() => stt.calls.length).toBe(1);
    expect(runtime.speaking).toBe(true);
    runtime.userSpeechStarted();
    await runtime.whenIdle();
    expect(typesOf()).toEqual([]);
    expect(llm.requests).toHaveLength(0);
  });

  it('does not answer an utterance that transcribed to nothing', async () => {
    const { runtime, types, llm } = setup({ transcript: '  ' });
    runtime.userUtterance({ samples: new Int16Array(1600), sampleRate: 16_000 });
    await runtime.whenIdle();
    expect(types()).toEqual(['TranscriptFinal']);
    expect(llm.requests).toHaveLength(0);
  });

  it('builds the prompt from persona, memories and the previous turns, in JSON mode', async () => {
    const { runtime, llm } = setup({ llm: [{ content: answer('First.') }, { content: answer('Second.') }] });
    runtime.userText('one');
    runtime.userText('two');
    await runtime.whenIdle();
    const second = llm.requests[1];
    expect(second?.json).toBe(true);
    expect(second?.messages[0]?.content).toContain('You are Ada.');
    expect(second?.messages[0]?.content).toContain('- The user likes tea');
    expect(second?.messages.slice(1).map((m) => [m.role, m.content])).toEqual([
      ['user', 'one'],
      ['assistant', 'First.'],
      ['user', 'two'],
    ]);
  });

  it("asks for the persona's answer contract and records whether each answer kept it as written", async () => {
    const { runtime, llm, turns } = setup({
      llm: [
        { content: answer('Kept.', { gesture_plan: [{ gesture: 'nod', word_index: 0 }] }) },
        { content: answer('Unknown gesture.', { gesture_plan: [{ gesture: 'backflip' }] }) },
        { content: 'Plain prose.' },
      ],
    });
    for (const text of ['one', 'two', 'three']) runtime.userText(text);
    await runtime.whenIdle();
    expect(llm.requests[0]?.contract).toMatchObject({ gestures: persona.gestureLibrary, actions: [] });
    expect(llm.requests[0]?.contract?.emotions).toContain(persona.defaultEmotion);
    const assistant = turns.filter((t) => t.role === 'ASSISTANT');
    expect(assistant.map((t) => t.contractKept)).toEqual([true, false, false]);
  });

  it('speaks a plain-text (non-JSON) answer as it is', async () => {
    const { runtime, events, tts } = setup({ llm: { content: 'No JSON today. Just prose.' } });
    runtime.userText('hi');
    await runtime.whenIdle();
    expect(tts.calls.map((c) => c.text)).toEqual(['No JSON today.', 'Just prose.']);
    expect(ofType(events(), 'ResponseDone')[0]).toMatchObject({
      text: 'No JSON today. Just prose.',
      emotion: 'neutral',
    });
  });

  it('reports what it had to drop or guess: a broken contract, bad gesture entries', async () => {
    const prose = setup({ llm: { content: 'Just prose.' } });
    prose.runtime.userText('hi');
    await prose.runtime.whenIdle();
    expect(prose.warnings).toEqual([expect.stringContaining('did not answer in the JSON contract')]);
    const sloppy = setup({
      llm: { content: answer('Hi.', { gesture_plan: [{ word_index: 0 }, 'wave'] }) },
    });
    sloppy.runtime.userText('hi');
    await sloppy.runtime.whenIdle();
    expect(sloppy.warnings).toEqual([
      'gesture_plan[0] has no gesture name; dropped',
      'gesture_plan[1] has no gesture name; dropped',
    ]);
  });
});

describe('SessionRuntime with real LLM adapters', () => {
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
  });
  afterAll(() => fake.close());

  it('runs offline on the embedded local responder', async () => {
    const { runtime, events } = setup({ deps: { llm: new LocalResponderLlm() } });
    runtime.userText('I like trains');
    await runtime.whenIdle();
    const done = ofType(events(), 'ResponseDone')[0];
    expect(done?.text).toMatch(/^Hello! I'm Ada, running on the built-in offline responder/);
    expect(done?.text).toContain('I heard you say: I like trains');
    expect(ofType(events(), 'SpeechChunk').length).toBeGreaterThan(0);
  });

  it('streams from an OpenAI-compatible server over HTTP/SSE', async () => {
    fake.setScript({ chat: { content: answer('Served over SSE. Second sentence.'), tokenDelayMs: 1 } });
    const llm = new OpenAILlm({ baseURL: fake.baseURL, model: 'gpt-test', maxRetries: 0 });
    const { runtime, events, tts } = setup({ deps: { llm } });
    runtime.userText('hi');
    await runtime.whenIdle();
    expect(tts.calls.map((c) => c.text)).toEqual(['Served over SSE.', 'Second sentence.']);
    expect(ofType(events(), 'ResponseDone')[0]).toMatchObject({
      text: 'Served over SSE. Second sentence.',
      emotion: 'happy',
    });
    expect(fake.requests.at(-1)?.body).toMatchObject({
      response_format: { type: 'json_object' },
      stream: true,
    });
  });
});

describe('SessionRuntime moderation', () => {
  it('replaces a flagged sentence by the fallback before TTS and drops the rest of the answer', async () => {
    const content = answer('Nice to meet you. Something nasty here. More after that.');
    const { runtime, events, tts, llm, history } = setup({
      llm: { content, chunkDelayMs: 2 },
      moderate: (text) =>
        text.includes('nasty')
          ? { allowed: false, text: "Let's talk about something else.", category: 'x' }
          : { allowed: true, text },
    });
    runtime.userText('hi');
    await runtime.whenIdle();
    expect(tts.calls.map((c) => c.text)).toEqual(['Nice to meet you.', "Let's talk about something else."]);
    const deltas = ofType(events(), 'ResponseTextDelta')
      .map((e) => e.delta)
      .join('');
    expect(deltas).not.toContain('nasty');
    expect(ofType(events(), 'ResponseDone')[0]).toMatchObject({
      text: "Nice to meet you. Let's talk about something else.",
      moderated: true,
    });
    // Generation was stopped rather than streamed to the end.
    expect(llm.requests[0]?.signal.aborted).toBe(true);
    expect((await history.recent('s1')).at(-1)?.text).toBe(
      "Nice to meet you. Let's talk about something else.",
    );
  });
});

describe('SessionRuntime barge-in', () => {
  const slowSpeech = { interChunkDelayMs: 15 };

  it('aborts LLM and TTS at once, emits Interrupted with the heard words and truncates history', async () => {
    const content = answer('One two three four five six seven eight. Nine ten eleven twelve.');
    const { runtime, events, clock, tts, llm, history, turns } = setup({
      llm: { content, chunkDelayMs: 3 },
      tts: slowSpeech,
    });
    runtime.userText('count');
    await expect.poll(() => ofType(events(), 'SpeechChunk').length).toBeGreaterThanOrEqual(4);
    // 50 ms per character: "One two three " is 14 characters, so 700 ms covers "One two three".
    clock.t += 700;
    expect(runtime.speaking).toBe(true);
    runtime.userSpeechStarted();

    const interrupted = ofType(events(), 'Interrupted')[0];
    expect(interrupted).toMatchObject({ heardText: 'One two three', playedMs: 700 });
    expect(events().at(-1)?.type).toBe('Interrupted');
    expect(tts.calls[0]?.signal.aborted).toBe(true);
    expect(llm.requests[0]?.signal.aborted).toBe(true);
    expect(runtime.speaking).toBe(false);

    await runtime.whenIdle();
    expect(types(events())).not.toContain('ResponseDone');
    expect(events().at(-1)?.type).toBe('Interrupted');
    expect((await history.recent('s1')).at(-1)).toEqual({ role: 'assistant', text: 'One two three' });
    expect(turns.at(-1)).toMatchObject({ role: 'ASSISTANT', text: 'One two three', interrupted: true });
  });

  it('uses the played time the client reports, capped at the audio actually sent', async () => {
    const { runtime, events } = setup({
      llm: { content: answer('Alpha beta gamma delta.') },
      tts: slowSpeech,
    });
    runtime.userText('x');
    await expect.poll(() => ofType(events(), 'SpeechChunk').length).toBeGreaterThanOrEqual(1);
    runtime.interrupt({ playedMs: 560 });
    // "Alpha beta " = 11 characters = 550 ms: the midpoint of "gamma" (825 ms) was not reached.
    expect(ofType(events(), 'Interrupted')[0]).toMatchObject({ heardText: 'Alpha beta', playedMs: 560 });
    await runtime.whenIdle();
  });

  it("waits for a reporting client's played position at a barge-in and cuts the answer there", async () => {
    const { runtime, events, clock, turns, history } = setup({
      llm: { content: answer('Alpha beta gamma delta.') },
      tts: slowSpeech,
    });
    runtime.expectPlaybackReports(true);
    runtime.userText('x');
    await expect.poll(() => ofType(events(), 'SpeechChunk').length).toBeGreaterThanOrEqual(1);
    const responseId = ofType(events(), 'ResponseStarted')[0]?.responseId;
    clock.t += 100; // by the server's clock almost nothing was heard; the client's player started late
    runtime.userSpeechStarted();
    expect(runtime.speaking).toBe(false);
    expect(runtime.awaitingPlayedReport).toBe(true);
    expect(ofType(events(), 'Interrupted')).toEqual([]);
    // A count for an answer that already ended is not this one's.
    runtime.interrupt({ playedMs: 9_000, responseId: 'an-older-answer' });
    expect(ofType(events(), 'Interrupted')).toEqual([]);
    runtime.interrupt({ playedMs: 560, responseId });
    expect(ofType(events(), 'Interrupted')).toEqual([
      expect.objectContaining({ responseId, heardText: 'Alpha beta', playedMs: 560 }),
    ]);
    await runtime.whenIdle();
    expect(turns.at(-1)).toMatchObject({ role: 'ASSISTANT', text: 'Alpha beta', interrupted: true });
    expect((await history.recent('s1')).at(-1)).toEqual({ role: 'assistant', text: 'Alpha beta' });
  });

  it('settles a cut still waiting for the count with its estimate when the next message arrives', async () => {
    const content = answer('One two three four five six seven eight. Nine ten eleven twelve.');
    const { runtime, events, clock, history } = setup({ llm: { content, chunkDelayMs: 3 }, tts: slowSpeech });
    runtime.expectPlaybackReports(true);
    runtime.userText('count');
    await expect.poll(() => ofType(events(), 'SpeechChunk').length).toBeGreaterThanOrEqual(4);
    clock.t += 700;
    runtime.userSpeechStarted();
    runtime.userText('next');
    // The next answer's prompt already sees only what was heard of this one.
    expect(ofType(events(), 'Interrupted')[0]).toMatchObject({ heardText: 'One two three', playedMs: 700 });
    await runtime.whenIdle();
    expect((await history.recent('s1')).map((m) => m.text)).toContain('One two three');
  });

  it('uses its own estimate when a reporting client never says where it stopped', async () => {
    const content = answer('One two three four five six seven eight. Nine ten eleven twelve.');
    const { runtime, events, clock } = setup({ llm: { content, chunkDelayMs: 3 }, tts: slowSpeech });
    runtime.expectPlaybackReports(true);
    runtime.userText('count');
    await expect.poll(() => ofType(events(), 'SpeechChunk').length).toBeGreaterThanOrEqual(4);
    clock.t += 700;
    runtime.userSpeechStarted();
    expect(ofType(events(), 'Interrupted')).toEqual([]);
    await expect
      .poll(() => ofType(events(), 'Interrupted')[0], { timeout: 2000 })
      .toMatchObject({ heardText: 'One two three', playedMs: 700 });
    await runtime.whenIdle();
  });

  it('truncates the saved turn when the user barges in after the answer was generated but is still playing', async () => {
    const { runtime, events, clock, history, turns, truncated } = setup({
      llm: { content: answer('Short one. And another sentence.') },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(types(events()).at(-1)).toBe('ResponseDone');
    expect(runtime.speaking).toBe(true);
    clock.t += 520; // "Short one." is 10 characters of 50 ms; "And" is not half played yet
    runtime.userSpeechStarted();
    expect(ofType(events(), 'Interrupted')[0]).toMatchObject({ heardText: 'Short one.', playedMs: 520 });
    await expect.poll(() => truncated).toEqual([{ id: turns.at(-1)?.id, heardText: 'Short one.' }]);
    expect((await history.recent('s1')).at(-1)).toEqual({ role: 'assistant', text: 'Short one.' });
  });

  it('does nothing on user speech once the answer has finished playing', async () => {
    const { runtime, events, clock } = setup({ llm: { content: answer('Done.') } });
    runtime.userText('x');
    await runtime.whenIdle();
    clock.t += 10_000;
    expect(runtime.speaking).toBe(false);
    runtime.userSpeechStarted();
    expect(types(events())).not.toContain('Interrupted');
  });

  it('a new message while speaking interrupts the answer and is answered next', async () => {
    const { runtime, events, llm } = setup({
      llm: [
        { content: answer('A long first answer that goes on. And on.'), chunkDelayMs: 5 },
        { content: answer('Second.') },
      ],
      tts: slowSpeech,
    });
    runtime.userText('first');
    await expect.poll(() => ofType(events(), 'ResponseStarted').length).toBe(1);
    runtime.userText('second');
    await runtime.whenIdle();
    const sequence = types(events()).filter(
      (t) => t === 'ResponseStarted' || t === 'Interrupted' || t === 'ResponseDone',
    );
    expect(sequence).toEqual(['ResponseStarted', 'Interrupted', 'ResponseStarted', 'ResponseDone']);
    expect(llm.requests.at(-1)?.messages.at(-1)?.content).toBe('second');
  });

  it('drops inputs queued behind an interruption', async () => {
    const { runtime, llm } = setup({ llm: { content: answer('Hi.'), chunkDelayMs: 5 } });
    runtime.userText('one');
    runtime.userText('two');
    runtime.interrupt();
    runtime.userText('three');
    await runtime.whenIdle();
    expect(llm.requests.map((r) => r.messages.at(-1)?.content)).toEqual(['three']);
  });
});

describe('SessionRuntime tracing', () => {
  it('traces a spoken turn: end of turn, STT, recall, prompt, LLM, moderation, TTS with rendering, publish', async () => {
    const tracer = new RecordingTracer();
    const { runtime } = setup({ deps: { tracer } });
    const origin = { traceparent: 'client-trace', endOfTurn: { reason: 'silence', silenceMs: 600 } };
    runtime.userUtterance({ samples: new Int16Array(16_000), sampleRate: 16_000 }, 'u-1', origin);
    await runtime.whenIdle();
    const [turn] = tracer.spans;
    expect(turn).toMatchObject({
      name: 'avatar.turn',
      parent: null,
      ended: true,
      attributes: {
        'session.id': 's1',
        'utterance.id': 'u-1',
        'turn.input': 'audio',
        'turn.interrupted': false,
      },
    });
    expect(tracer.traceparents).toEqual(['client-trace']);
    const names = tracer.namesUnder(turn!);
    const firstOf = (name: string) => names.indexOf(name);
    expect(names.slice(0, 2)).toEqual(['end_of_turn', 'stt']);
    for (const [before, after] of [
      ['stt', 'memory_recall'],
      ['memory_recall', 'prompt_build'],
      ['prompt_build', 'llm'],
      ['llm', 'moderation'],
      ['moderation', 'tts'],
      ['tts', 'render'],
      ['render', 'publish'],
    ]) {
      expect(firstOf(before!)).toBeLessThan(firstOf(after!));
    }
    // Two sentences: each moderated, then spoken.
    expect(names.filter((n) => n === 'tts')).toHaveLength(2);
    expect(names.filter((n) => n === 'moderation')).toHaveLength(2);
    expect(tracer.spans.every((span) => span.ended)).toBe(true);
    expect(tracer.spans.find((s) => s.name === 'llm')?.marks).toEqual(['first_token']);
    expect(tracer.spans.find((s) => s.name === 'tts')?.marks).toEqual(['first_audio']);
  });

  it('marks the turn and its failing stage as failed', async () => {
    const tracer = new RecordingTracer();
    const { runtime } = setup({
      llm: { content: answer('Never.'), error: new ProviderError('llm', 'HTTP 500') },
      deps: { tracer },
    });
    runtime.userText('x', { traceparent: 'from-graphql' });
    await runtime.whenIdle();
    expect(tracer.traceparents).toEqual(['from-graphql']);
    expect(tracer.spans.filter((s) => s.failed).map((s) => s.name)).toEqual(['avatar.turn', 'llm']);
  });
});

describe('SessionRuntime failures', () => {
  it('turns an LLM failure into a SessionError and closes the response, without throwing', async () => {
    const {
      runtime,
      events,
      errors,
      types: typesOf,
    } = setup({
      llm: {
        content: answer('Never said.'),
        error: new ProviderError('llm', 'HTTP 500'),
        failAfterChunks: 1,
      },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(typesOf()).toEqual(['TranscriptFinal', 'ResponseStarted', 'SessionError', 'ResponseDone']);
    expect(ofType(events(), 'SessionError')[0]).toMatchObject({ code: 'PROVIDER_ERROR', retryable: true });
    // Logged once, with its code and the ids that find the turn.
    expect(errors).toEqual([
      expect.objectContaining({
        code: 'PROVIDER_ERROR',
        sessionId: 's1',
        responseId: ofType(events(), 'ResponseStarted')[0]?.responseId,
      }),
    ]);
  });

  it('still speaks the sentences completed before the LLM failed mid-answer, then reports the error', async () => {
    const { runtime, events, tts, history } = setup({
      llm: {
        chunks: ['{"text":"First part.', ' Second p', 'art is cut'],
        error: new ProviderError('llm', 'connection dropped'),
        failAfterChunks: 3,
      },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(tts.calls.map((c) => c.text)).toEqual(['First part.']);
    expect(types(events()).slice(-2)).toEqual(['SessionError', 'ResponseDone']);
    expect(ofType(events(), 'ResponseDone')[0]?.text).toBe('First part.');
    expect((await history.recent('s1')).at(-1)).toEqual({ role: 'assistant', text: 'First part.' });
  });

  it('stops the LLM when TTS fails mid-answer and reports the TTS error', async () => {
    const { runtime, events, llm } = setup({
      llm: { content: answer('One. Two. Three. Four.'), chunkDelayMs: 5 },
      tts: { failAfterChunks: 1 },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(ofType(events(), 'SessionError')[0]).toMatchObject({
      code: 'PROVIDER_ERROR',
      message: expect.stringContaining('stream broke'),
    });
    expect(llm.requests[0]?.signal.aborted).toBe(true);
    expect(types(events()).at(-1)).toBe('ResponseDone');
  });

  it('refuses a turn over the rate limit with RATE_LIMITED and no response', async () => {
    const {
      runtime,
      types: typesOf,
      llm,
    } = setup({
      deps: {
        limits: {
          consumeTurn: async () => {
            throw new AppError('RATE_LIMITED', 'slow down', { retryable: true });
          },
          recordTokens: async () => {},
        },
      },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(typesOf()).toEqual(['TranscriptFinal', 'SessionError']);
    expect(llm.requests).toHaveLength(0);
  });

  it('masks unexpected errors as INTERNAL', async () => {
    const { runtime, events } = setup({
      deps: {
        memory: { recallTexts: async () => [] },
        history: Object.assign(new InMemoryConversationHistory(), {
          recent: async () => {
            throw new TypeError('redis exploded');
          },
        }),
      },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(events().filter((e) => e.type !== 'TranscriptFinal')).toEqual([
      {
        type: 'SessionError',
        code: 'INTERNAL',
        message: 'Something went wrong while answering',
        retryable: false,
      },
    ]);
  });
});

describe('SessionRuntime graceful failure', () => {
  const failureLine = 'Sorry, say that again?';

  it('speaks the failure line, with speech, when every LLM failed, and stores the turn as failed', async () => {
    const { runtime, events, tts, turns } = setup({
      persona: { failureLine },
      llm: {
        content: answer('Never said.'),
        error: new ProviderError('llm', 'HTTP 500'),
        failAfterChunks: 0,
      },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    const kinds = types(events()).filter((type, i, all) => type !== all[i - 1]);
    expect(kinds).toEqual([
      'TranscriptFinal',
      'ResponseStarted',
      'SessionError',
      'ResponseTextDelta',
      'SpeechChunk',
      'ResponseDone',
    ]);
    expect(tts.calls.map((c) => c.text)).toEqual([failureLine]);
    expect(ofType(events(), 'ResponseDone')[0]?.text).toBe(failureLine);
    expect(turns.at(-1)).toMatchObject({ role: 'ASSISTANT', text: failureLine, failed: true });
  });

  it('shows the failure line as text when speech itself failed', async () => {
    const { runtime, events, turns } = setup({
      persona: { failureLine },
      llm: { content: answer('One. Two.') },
      tts: { failAfterChunks: 0 },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(ofType(events(), 'SessionError')).toHaveLength(1);
    expect(ofType(events(), 'ResponseTextDelta').at(-1)?.delta).toBe(failureLine);
    expect(ofType(events(), 'ResponseDone')[0]?.text).toContain(failureLine);
    expect(turns.at(-1)).toMatchObject({ role: 'ASSISTANT', failed: true });
  });

  it('answers without memories when recall takes longer than its cap, and says so', async () => {
    const { runtime, events, llm, warnings } = setup({
      timeouts: { memoryRecallMs: 30 },
      deps: { memory: { recallTexts: () => new Promise<string[]>(() => undefined) } },
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(types(events()).at(-1)).toBe('ResponseDone');
    expect(JSON.stringify(llm.requests[0]?.messages)).not.toContain('The user likes tea');
    expect(warnings.join('\n')).toMatch(/memory recall took too long/i);
  });

  it('says the safe fallback instead of a sentence moderation could not check in time', async () => {
    const { runtime, events, tts, warnings } = setup({
      persona: { safeFallback: 'Let us talk about tea.' },
      timeouts: { moderationMs: 30 },
      moderate: () => new Promise<ModerationVerdict>(() => undefined),
    });
    runtime.userText('x');
    await runtime.whenIdle();
    expect(tts.calls.map((c) => c.text)).toEqual(['Let us talk about tea.']);
    expect(ofType(events(), 'ResponseDone')[0]).toMatchObject({ moderated: true });
    expect(warnings.join('\n')).toMatch(/moderation took too long/);
  });
});

describe('SessionRuntime speech renderer', () => {
  it('renders gestures once the plan is known, after the speech they belong to', async () => {
    const pushed: string[] = [];
    const createSpeechRenderer = (responseId: string): SpeechRenderer => {
      const basic = createBasicSpeechRenderer(responseId);
      return {
        push: (chunk, sentence) => {
          pushed.push(sentence.text);
          return basic.push(chunk, sentence);
        },
        endSentence: (sentence) => basic.endSentence(sentence),
        gesturePlan: (plan) =>
          plan.map((g) => ({
            type: 'GestureEvent' as const,
            responseId,
            gesture: g.gesture,
            startMs: 0,
            durationMs: g.durationMs ?? 500,
            intensity: g.intensity ?? 0.5,
            wordIndex: g.wordIndex ?? null,
          })),
      };
    };
    const content = answer('Hello. Bye.', {
      gesture_plan: [{ gesture: 'wave', word_index: 0, duration_ms: 700 }],
    });
    const { runtime, events } = setup({ llm: { content }, deps: { createSpeechRenderer } });
    runtime.userText('x');
    await runtime.whenIdle();
    const order = types(events());
    expect(ofType(events(), 'GestureEvent')).toEqual([
      {
        type: 'GestureEvent',
        responseId: expect.any(String),
        gesture: 'wave',
        startMs: 0,
        durationMs: 700,
        intensity: 0.5,
        wordIndex: 0,
      },
    ]);
    expect(order.indexOf('GestureEvent')).toBeGreaterThan(order.indexOf('SpeechChunk'));
    expect(order.indexOf('GestureEvent')).toBeLessThan(order.indexOf('ResponseDone'));
    expect(new Set(pushed)).toEqual(new Set(['Hello.', 'Bye.']));
  });
});

function types(events: SessionEventPayload[]): string[] {
  return events.map((e) => e.type);
}

describe('SessionRuntime getting the model ready', () => {
  it('prepares the model with the prompt so far when the user starts speaking, without their words', async () => {
    const { runtime, llm, clock } = setup({ llm: [{ content: answer('First.') }] });
    runtime.userText('one');
    await runtime.whenIdle();
    // Long after the answer was heard: speech now is a new turn, not a barge-in.
    clock.t += 60_000;
    runtime.userSpeechStarted();
    await vi.waitFor(() => expect(llm.prepared).toHaveLength(1));
    const [prepared] = llm.prepared;
    expect(prepared!.messages[0]).toMatchObject({
      role: 'system',
      content: expect.stringContaining('You are Ada.'),
    });
    // The conversation so far, ending with the last answer: the user's new words are not known yet.
    expect(prepared!.messages.slice(1).map((m) => [m.role, m.content])).toEqual([
      ['user', 'one'],
      ['assistant', 'First.'],
    ]);
    expect(prepared!.contract?.gestures).toEqual(persona.gestureLibrary);
  });
});

describe('SessionRuntime partial transcripts', () => {
  const audio = { samples: new Int16Array(1600), sampleRate: 16_000 };
  it('shows what successive hypotheses agree on, as it grows, and nothing once the utterance ended', async () => {
    const hypotheses = ['where', 'where are the', 'Where are the in', 'Where are the impressionist'];
    const { runtime, events, stt } = setup();
    stt.partial = async () => ({
      text: hypotheses.shift() ?? '',
      isFinal: false,
      confidence: 1,
      alternatives: [],
    });
    const signal = new AbortController().signal;
    for (let i = 0; i < 4; i++) await runtime.partialTranscript(audio, 'u1', signal);
    // Words once shown keep their first spelling; later ones are appended.
    expect(ofType(events(), 'TranscriptPartial').map((e) => e.text)).toEqual(['where', 'where are the']);
    const ended = new AbortController();
    ended.abort();
    await runtime.partialTranscript(audio, 'u1', ended.signal);
    expect(ofType(events(), 'TranscriptPartial')).toHaveLength(2);
  });

  it('shows nothing when the engine has no partials or is busy', async () => {
    const { runtime, events, stt } = setup();
    await runtime.partialTranscript(audio, 'u1', new AbortController().signal);
    stt.partial = async () => null;
    await runtime.partialTranscript(audio, 'u1', new AbortController().signal);
    expect(ofType(events(), 'TranscriptPartial')).toHaveLength(0);
  });
});

describe('SessionRuntime in agent mode', () => {
  const agentMode = (
    turns: FakeAgentTurn[],
    extra: Parameters<typeof setup>[0] = {},
    retryAfterMs = 60_000,
  ) => {
    const agent = new FakeAgent(turns);
    const link = new AgentLink({
      adapter: agent,
      setup: { tools: [], turnDetection: 'ours' },
      retryAfterMs,
      clock: { now: () => 0 },
    });
    return { agent, ...setup({ ...extra, deps: { agent: link, ...extra.deps } }) };
  };

  it("answers with the agent's audio and moderated transcript; the persona and memories are its instructions", async () => {
    const { runtime, events, types, agent, turns, tts } = agentMode([{ answer: 'Hello there. I am Ada.' }]);
    runtime.userText('Who are you?');
    await runtime.whenIdle();
    expect(types().slice(0, 3)).toEqual(['TranscriptFinal', 'ResponseStarted', 'SpeechChunk']);
    expect(
      ofType(events(), 'ResponseTextDelta')
        .map((e) => e.delta)
        .join(''),
    ).toBe('Hello there. I am Ada.');
    expect(ofType(events(), 'ResponseDone')[0]).toMatchObject({
      text: 'Hello there. I am Ada.',
      moderated: false,
    });
    const chunks = ofType(events(), 'SpeechChunk');
    expect(chunks.every((c) => c.sampleRate === FAKE_AGENT_RATE)).toBe(true);
    expect(chunks.reduce((ms, c) => ms + c.durationMs, 0)).toBeCloseTo(5 * 200, 6);
    expect(tts.calls).toEqual([]);
    expect(agent.inputs[0]).toMatchObject({ text: 'Who are you?' });
    expect(agent.inputs[0]!.instructions).toContain('Be brief.');
    expect(agent.inputs[0]!.instructions).toContain('The user likes tea');
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['USER', 'Who are you?'],
      ['ASSISTANT', 'Hello there. I am Ada.'],
    ]);
  });

  it("shows and stores the agent's transcription of the user's audio, which comes once the answer started", async () => {
    const { runtime, events, types, agent, turns } = agentMode([
      { inputTranscript: 'How are you today?', answer: 'Very well.' },
    ]);
    // Ours, taken at the pause, only picks the memories: the local model is weaker than the provider's.
    const ahead = { text: 'Thank you.', isFinal: true, confidence: 0.4, alternatives: [] };
    const audio = { samples: new Int16Array(1600), sampleRate: 16_000 };
    runtime.userUtterance(audio, 'u-2', { transcript: Promise.resolve(ahead) });
    await runtime.whenIdle();
    expect(agent.inputs[0]?.audio).toBe(audio);
    expect(ofType(events(), 'TranscriptFinal').map((e) => e.text)).toEqual(['How are you today?']);
    expect(types().indexOf('ResponseStarted')).toBeLessThan(types().indexOf('TranscriptFinal'));
    expect(turns.map((t) => [t.role, t.text])).toEqual([
      ['USER', 'How are you today?'],
      ['ASSISTANT', 'Very well.'],
    ]);
  });

  it("cuts the agent at a barge-in and truncates its item to the client's played position", async () => {
    const { runtime, events, agent, turns, clock } = agentMode([
      { answer: 'One two three four five six seven eight.', holdAfterChunks: 3 },
    ]);
    runtime.userText('Count please');
    await vi.waitFor(() => expect(ofType(events(), 'SpeechChunk').length).toBeGreaterThan(0));
    clock.t += 50;
    runtime.interrupt({ playedMs: 450 });
    agent.release();
    await runtime.whenIdle();
    const [cut] = ofType(events(), 'Interrupted');
    expect(cut?.playedMs).toBe(450);
    expect(agent.truncations).toEqual([450]);
    expect(turns.find((t) => t.role === 'ASSISTANT')).toMatchObject({
      interrupted: true,
      text: cut?.heardText,
    });
  });

  it('fails over to the cascade when the agent drops mid-answer, and says so once', async () => {
    const { runtime, events, types, turns } = agentMode([
      { answer: 'One two three four.', failAfterChunks: 2 },
    ]);
    runtime.userText('Hi Ada');
    await runtime.whenIdle();
    expect(ofType(events(), 'ConversationModeChanged')).toEqual([
      expect.objectContaining({ mode: 'CASCADE', provider: null }),
    ]);
    expect(types().filter((t) => t === 'ResponseStarted')).toHaveLength(1);
    // The cascade's answer (the fake LLM's) after the agent's first audio, in the same response.
    expect(ofType(events(), 'ResponseDone')[0]?.text).toBe('Hello there. How are you?');
    expect(turns.map((t) => t.role)).toEqual(['USER', 'ASSISTANT']);
  });

  it('opens a new connection after a failure with the conversation so far, each answer as far as it was heard', async () => {
    const { runtime, events, agent, clock } = agentMode(
      [
        { answer: 'One two. Three four five six seven eight.', holdAfterChunks: 4 },
        { answer: 'Never said.', failAfterChunks: 0 },
        { answer: 'Back again.' },
      ],
      {},
      0,
    );
    runtime.userText('Count please');
    await vi.waitFor(() => expect(ofType(events(), 'SpeechChunk').length).toBeGreaterThan(0));
    runtime.interrupt({ playedMs: 650 });
    agent.release();
    await runtime.whenIdle();
    const heard = ofType(events(), 'Interrupted')[0]!.heardText;
    expect(heard).toMatch(/^One/);
    expect(heard.length).toBeLessThan('One two. Three'.length);
    // Each next question comes once the answer before it has played.
    clock.t += 60_000;
    runtime.userText('Hi again');
    await runtime.whenIdle();
    clock.t += 60_000;
    runtime.userText('Are you back?');
    await runtime.whenIdle();
    expect(ofType(events(), 'ConversationModeChanged').map((e) => e.mode)).toEqual(['CASCADE', 'AGENT']);
    expect(ofType(events(), 'ResponseDone').at(-1)?.text).toBe('Back again.');
    // The first connection started blank; the second from the stored conversation (the cascade's answer included).
    expect(agent.setups.map((s) => s.history)).toEqual([
      [],
      [
        { role: 'user', text: 'Count please' },
        { role: 'assistant', text: heard },
        { role: 'user', text: 'Hi again' },
        { role: 'assistant', text: 'Hello there. How are you?' },
      ],
    ]);
  });

  it("turns the agent's express call into the answer's emotion and gestures, for the persona's library only", async () => {
    const { runtime, events, agent } = agentMode([
      {
        answer: 'Hi!',
        toolCall: { name: 'express', arguments: '{"emotion":"happy","gestures":["wave","moonwalk"]}' },
      },
    ]);
    runtime.userText('Hello');
    await runtime.whenIdle();
    expect(ofType(events(), 'GestureEvent').map((g) => g.gesture)).toEqual(['wave']);
    expect(ofType(events(), 'ResponseDone')[0]?.emotion).toBe('happy');
    expect(ofType(events(), 'ToolCall')).toEqual([]);
    expect(JSON.parse(agent.toolOutputs[0]!)).toEqual({ ok: true, dropped: ['moonwalk'] });
  });
});
