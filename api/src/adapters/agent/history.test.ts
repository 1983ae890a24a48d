/**
 * A connection opened mid-session goes on from the conversation so far: both adapters against the protocol fakes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import {
  type FakeAgentServer,
  startFakeGeminiLive,
  startFakeRealtime,
} from '../../../test-support/fake-agent-servers';
import { ResamplerPool } from '../audio/resampler';
import { GeminiLiveAgent } from './gemini-live';
import { OpenAIRealtimeAgent } from './openai-realtime';
import type { AgentAdapter, AgentEvent, AgentSetup } from './types';

const HISTORY: AgentSetup['history'] = [
  { role: 'user', text: 'My name is Ada.' },
  { role: 'assistant', text: 'Nice to meet' },
  { role: 'user', text: '' },
  { role: 'user', text: 'Do you remember my name?' },
];

let fake: FakeAgentServer | undefined;
afterEach(async () => {
  await fake?.close();
});

/** Opens a connection with the history, then asks one typed turn: the scripted answer's transcript. */
async function askAfterHistory(adapter: AgentAdapter): Promise<string> {
  const connection = await adapter.connect({
    instructions: 'Be brief.',
    tools: [],
    turnDetection: 'ours',
    history: HISTORY,
  });
  let said = '';
  try {
    const events: AsyncIterable<AgentEvent> = connection.respond(
      { instructions: 'Be brief.', text: 'Well?' },
      { signal: new AbortController().signal, runTool: async () => '{}' },
    );
    for await (const event of events) if (event.type === 'transcript') said += event.delta;
  } finally {
    connection.close();
  }
  return said;
}

describe('agent connections opened mid-session', () => {
  it('OpenAI Realtime: the turns so far become message items (empty ones left out), before the first answer', async () => {
    fake = await startFakeRealtime({ turns: [{ answer: 'You are Ada.' }] });
    const adapter = new OpenAIRealtimeAgent({ url: fake.url, model: 'm', resamplers: new ResamplerPool() });
    expect(await askAfterHistory(adapter)).toBe('You are Ada.');
    const sent = fake.received.map((r) => r.message);
    const items = sent.filter((m) => m.type === 'conversation.item.create').map((m) => m.item);
    expect(items).toEqual([
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'My name is Ada.' }] },
      { type: 'message', role: 'assistant', content: [{ type: 'text', text: 'Nice to meet' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Do you remember my name?' }] },
      { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'Well?' }] },
    ]);
    // Given after the session is set up, and none of it asked for an answer of its own.
    const types = sent.map((m) => m.type);
    expect(types.indexOf('conversation.item.create')).toBeGreaterThan(types.indexOf('session.update'));
    expect(types.filter((t) => t === 'response.create')).toHaveLength(1);
  });

  it('Gemini Live: the turns so far go in as one clientContent that does not complete the turn', async () => {
    fake = await startFakeGeminiLive({ turns: [{ answer: 'You are Ada.' }] });
    const adapter = new GeminiLiveAgent({ url: fake.url, model: 'm', resamplers: new ResamplerPool() });
    expect(await askAfterHistory(adapter)).toBe('You are Ada.');
    const contents = fake.received.flatMap((r) => (r.message.clientContent ? [r.message.clientContent] : []));
    expect(contents[0]).toEqual({
      turns: [
        { role: 'user', parts: [{ text: 'My name is Ada.' }] },
        { role: 'model', parts: [{ text: 'Nice to meet' }] },
        { role: 'user', parts: [{ text: 'Do you remember my name?' }] },
      ],
      turnComplete: false,
    });
    expect(contents.at(-1)).toMatchObject({ turnComplete: true });
  });

  it('opens blank with no history: nothing is sent before the first turn', async () => {
    fake = await startFakeRealtime({ turns: [{ answer: 'Hello.' }] });
    const adapter = new OpenAIRealtimeAgent({ url: fake.url, model: 'm', resamplers: new ResamplerPool() });
    const connection = await adapter.connect({
      instructions: 'Be brief.',
      tools: [],
      turnDetection: 'ours',
      history: [],
    });
    connection.close();
    expect(fake.received.map((r) => r.message.type)).toEqual(['session.update']);
  });
});
