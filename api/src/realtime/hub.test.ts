import { describe, expect, it } from 'vitest';
import { ResamplerPool } from '../adapters/audio/resampler';
import { ProviderChain } from '../adapters/failover';
import { FakeLlm } from '../adapters/llm/testing/fake';
import { FakeStt } from '../adapters/stt/testing/fake';
import { FakeTts } from '../adapters/tts/testing/fake';
import { FakeVad } from '../adapters/vad/testing/fake';
import { ProfileVisemeService } from '../adapters/visemes/profile-viseme-service';
import { InMemoryConversationHistory } from '../db/conversation-history';
import type { SessionEventPayload } from '../domain/session-events';
import { createLogger } from '../logger';
import { type LiveSession, RealtimeHub } from './hub';
import type { TurnRecord } from './ports';
import { type AvatarLook, createBasicSpeechRenderer } from './speech-renderer';

const answer = (text: string) => JSON.stringify({ text, gesture_plan: [], emotion: 'happy', actions: [] });

function live(overrides: { session?: Partial<LiveSession['session']>; persona?: object } = {}): LiveSession {
  return {
    session: {
      id: 's1',
      userId: 'u1',
      traceId: 't1',
      capabilities: ['audio', 'text', 'visemes', 'blendshapes', 'gestures'],
      ...overrides.session,
    },
    persona: {
      id: 'p1',
      name: 'Ada',
      description: '',
      systemPrompt: 'Be brief.',
      greeting: 'Hello! I am Ada.',
      voice: 'en-us',
      sttProvider: null,
      llmProvider: null,
      ttsProvider: null,
      llmModel: null,
      avatarRig: 'oculus',
      visemeMap: {},
      gestureLibrary: ['nod', 'wave'],
      defaultEmotion: 'neutral',
      capabilities: ['speech', 'visemes', 'blendshapes', 'gestures', 'memory'],
      conversationMode: 'cascade',
      agentProvider: null,
      agentModel: null,
      agentVoice: null,
      turnDetection: 'ours',
      tools: [],
      ...overrides.persona,
    },
  };
}

function setup() {
  const llmA = new FakeLlm({ content: answer('From A.') }, 'llm-a');
  const llmB = new FakeLlm({ content: answer('From B.') }, 'llm-b');
  const events: SessionEventPayload[] = [];
  const turns: TurnRecord[] = [];
  const looks: AvatarLook[] = [];
  const activated: string[] = [];
  const recalls: string[] = [];
  const chain = <P extends { label: string }>(providers: P[]) =>
    ProviderChain.create(providers, { firstChunkTimeoutMs: 1_000 });
  const hub = new RealtimeHub({
    providers: {
      stt: { chain: chain([new FakeStt({ transcript: 'what time is it' })]), labels: { local: 'fake-stt' } },
      llm: { chain: chain([llmA, llmB]), labels: { a: 'llm-a', b: 'llm-b' } },
      tts: { chain: chain([new FakeTts({ script: { msPerChar: 5 } })]), labels: { local: 'fake-tts' } },
    },
    vad: {
      createStream: () => new FakeVad({ probabilities: (_i, w) => (w.some((x) => x > 0.1) ? 0.9 : 0) }),
    },
    resamplers: new ResamplerPool(),
    visemes: new ProfileVisemeService(),
    renderers: (responseId, look) => {
      looks.push(look);
      return createBasicSpeechRenderer(responseId);
    },
    events: { emit: (_sessionId, payload) => events.push(payload) },
    turns: {
      save: async (_sessionId, turn) => ({ id: `t${turns.push(turn)}` }),
      truncate: async () => {},
    },
    history: new InMemoryConversationHistory(),
    memory: {
      recallTexts: async ({ query }) => {
        recalls.push(query);
        return [];
      },
    },
    moderator: { moderate: async ({ text }) => ({ allowed: true, text }), attachTurn: async () => {} },
    activity: { markActive: async (sessionId) => void activated.push(sessionId), userTurn: () => {} },
    logger: createLogger('silent'),
    endOfTurnSilenceMs: 320,
  });
  const done = (count = 1) =>
    expect.poll(() => events.filter((e) => e.type === 'ResponseDone').length).toBe(count);
  const types = () => events.map((e) => e.type);
  return { hub, llmA, llmB, events, turns, looks, activated, recalls, done, types };
}

describe('RealtimeHub', () => {
  it("brings a session live once, on its first input, with the persona's preferred LLM and model", async () => {
    const { hub, llmA, llmB, activated, done } = setup();
    const session = live({ persona: { llmProvider: 'b', llmModel: 'big-model' } });
    await hub.sendText(session, 'hi');
    await done(1);
    await hub.sendText(session, 'again');
    await done(2);
    expect(activated).toEqual(['s1']);
    expect(hub.size).toBe(1);
    expect(llmA.requests).toHaveLength(0);
    expect(llmB.requests.map((r) => r.model)).toEqual(['big-model', 'big-model']);
  });

  it('answers in text only when the client cannot play audio, and without text when it cannot show it', async () => {
    const textOnly = setup();
    await textOnly.hub.sendText(live({ session: { capabilities: ['text'] } }), 'hi');
    await textOnly.done();
    expect(textOnly.types()).toEqual([
      'TranscriptFinal',
      'ResponseStarted',
      'ResponseTextDelta',
      'ResponseDone',
    ]);
    expect(textOnly.looks).toEqual([]);

    const voiceOnly = setup();
    await voiceOnly.hub.sendText(live({ session: { capabilities: ['audio'] } }), 'hi');
    await voiceOnly.done();
    expect(voiceOnly.types()).toContain('SpeechChunk');
    expect(voiceOnly.types()).not.toContain('ResponseTextDelta');
  });

  it('answers in text only when the persona does not speak, and recalls memories only when it remembers', async () => {
    const { hub, types, recalls, done } = setup();
    await hub.sendText(live({ persona: { capabilities: ['memory'] } }), 'hi');
    await done();
    expect(types()).not.toContain('SpeechChunk');
    expect(recalls).toEqual(['hi']);
    const forgetful = setup();
    await forgetful.hub.sendText(live({ persona: { capabilities: ['speech'] } }), 'hi');
    await forgetful.done();
    expect(forgetful.recalls).toEqual([]);
  });

  it('shows only what both the persona and the client want', async () => {
    const { hub, looks, done } = setup();
    await hub.sendText(
      live({
        session: { capabilities: ['audio', 'text', 'visemes'] },
        persona: { capabilities: ['speech', 'visemes', 'blendshapes'] },
      }),
      'hi',
    );
    await done();
    expect(looks[0]).toMatchObject({ visemes: true, blendshapes: false, gestureLibrary: [] });
    expect(looks[0]?.rig.id).toBe('oculus');
  });

  it("says the persona's greeting as an answer to nothing, and stores it", async () => {
    const { hub, events, turns, llmA, done } = setup();
    await hub.greet(live());
    await done();
    expect(events[0]).toMatchObject({ type: 'ResponseStarted', utteranceId: null });
    expect(events.at(-1)).toMatchObject({ type: 'ResponseDone', text: 'Hello! I am Ada.' });
    expect(events.some((e) => e.type === 'SpeechChunk')).toBe(true);
    expect(turns).toEqual([expect.objectContaining({ role: 'ASSISTANT', text: 'Hello! I am Ada.' })]);
    expect(llmA.requests).toHaveLength(0);
  });

  it('hears a microphone stream and answers it under the utterance id the client gave', async () => {
    const { hub, events, done } = setup();
    const sent: string[] = [];
    const mic = await hub.openMicrophone(live(), {
      speechStarted: (e) => sent.push(`started ${e.utteranceId}`) > 0,
      speechEnded: (e) => sent.push(`ended ${e.utteranceId}`) > 0,
      sessionEnded: () => true,
      reconnect: () => true,
    });
    await mic.start('mic-1', 16_000);
    await mic.audio(new Int16Array(512 * 10).fill(8000));
    await mic.audio(new Int16Array(512 * 12));
    await done();
    expect(sent).toEqual(['started mic-1', 'ended mic-1']);
    const ids = events.flatMap((e) =>
      e.type === 'TranscriptFinal' || e.type === 'ResponseStarted' ? [e.utteranceId] : [],
    );
    expect(ids).toEqual(['mic-1', 'mic-1']);
    mic.close();
  });

  it('interrupts only a live session that is speaking, and holds nothing once a session is closed', async () => {
    const { hub, done } = setup();
    expect(await hub.interrupt('s1')).toBe(false);
    await hub.sendText(live(), 'hi');
    await done();
    expect(hub.size).toBe(1);
    await hub.close('s1');
    expect(hub.size).toBe(0);
    expect(await hub.interrupt('s1')).toBe(false);
    await hub.closeAll();
  });
});
