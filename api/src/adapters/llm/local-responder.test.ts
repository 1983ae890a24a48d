import { describe, expect, it } from 'vitest';
import { buildPrompt } from '../../domain/prompt';
import { AvatarResponseParser } from '../../realtime/avatar-response-parser';
import { LocalResponderLlm } from './local-responder';
import type { ChatMessage } from './types';

async function ask(messages: ChatMessage[], signal = new AbortController().signal) {
  const llm = new LocalResponderLlm(() => new Date(2026, 0, 1, 14, 5));
  const parser = new AvatarResponseParser();
  let pieces = 0;
  for await (const chunk of llm.stream({ messages, signal, json: true })) {
    if (chunk.type !== 'content') continue;
    pieces++;
    parser.push(chunk.text);
  }
  return { pieces, ...parser.end().result };
}

const system: ChatMessage = {
  role: 'system',
  content: 'You are Ada. You are a friendly guide.\nAnswer in JSON.',
};

describe('LocalResponderLlm', () => {
  it('greets as the persona on the first turn, says it is the offline responder and echoes the user', async () => {
    const answer = await ask([system, { role: 'user', content: 'I like trains' }]);
    expect(answer.format).toBe('json');
    expect(answer.text).toMatch(/^Hello! I'm Ada, running on the built-in offline responder/);
    expect(answer.text).toContain('I heard you say: I like trains');
    expect(answer.gesturePlan[0]?.gesture).toBe('wave');
    expect(answer.pieces).toBeGreaterThan(5);
  });

  it('does not greet again once the conversation has an assistant turn', async () => {
    const answer = await ask([
      system,
      { role: 'user', content: 'hi' },
      { role: 'assistant', content: 'Hello!' },
      { role: 'user', content: 'and again' },
    ]);
    expect(answer.text).toBe('I heard you say: and again');
  });

  it('answers name, time and help questions by rule', async () => {
    const later = [system, { role: 'assistant', content: 'Hi' } as ChatMessage];
    expect((await ask([...later, { role: 'user', content: 'What is your name?' }])).text).toContain(
      "I'm Ada",
    );
    expect((await ask([...later, { role: 'user', content: 'what time is it' }])).text).toBe(
      'It is 2:05 PM here.',
    );
    expect((await ask([...later, { role: 'user', content: 'help' }])).text).toContain(
      'Connect a language model',
    );
  });

  it('finds the persona name in the system prompt that buildPrompt writes', async () => {
    const { messages } = buildPrompt({
      persona: { name: 'Captain Nemo', systemPrompt: 'Sail.', gestureLibrary: [], defaultEmotion: 'calm' },
      memories: [],
      history: [],
      userText: 'who are you',
    });
    expect((await ask(messages)).text).toContain("I'm Captain Nemo");
  });

  it('stops when aborted', async () => {
    const controller = new AbortController();
    controller.abort(new Error('barge-in'));
    await expect(ask([system, { role: 'user', content: 'x' }], controller.signal)).rejects.toThrow(
      'barge-in',
    );
  });
});
