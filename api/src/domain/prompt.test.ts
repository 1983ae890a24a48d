import { describe, expect, it } from 'vitest';
import { buildPrompt, type ConversationTurn, estimateTokens, type PromptPersona } from './prompt';

const persona: PromptPersona = {
  name: 'Ada',
  description: 'A museum guide.',
  systemPrompt: 'Be warm and brief.',
  gestureLibrary: ['nod', 'wave'],
  defaultEmotion: 'calm',
};

const turns = (n: number): ConversationTurn[] =>
  Array.from({ length: n }, (_, i) => ({
    role: i % 2 === 0 ? 'user' : 'assistant',
    text: `turn ${i} ${'x'.repeat(40)}`,
  }));

describe('buildPrompt', () => {
  it('puts persona, gesture library, default emotion and the JSON contract in the system message', () => {
    const { messages } = buildPrompt({ persona, memories: [], history: [], userText: 'Hi' });
    const system = messages[0]?.content ?? '';
    expect(messages[0]?.role).toBe('system');
    expect(system.startsWith('You are Ada. A museum guide.')).toBe(true);
    expect(system).toContain('Be warm and brief.');
    expect(system).toContain('only from: nod, wave');
    expect(system).toContain('"calm" when unsure');
    expect(system).toContain('"gesture_plan"');
    expect(messages.at(-1)).toEqual({ role: 'user', content: 'Hi' });
  });

  it('includes memories and the recent turns in order, newest last, before the user message', () => {
    const history = turns(4);
    const { messages, includedTurns, includedMemories } = buildPrompt({
      persona,
      memories: ['Likes Monet', 'Lives in Lyon'],
      history,
      userText: 'And now?',
    });
    expect(messages[0]?.content).toContain('\n- Likes Monet\n- Lives in Lyon');
    expect(messages.slice(1, -1).map((m) => m.content)).toEqual(history.map((t) => t.text));
    expect(messages[2]?.role).toBe('assistant');
    expect([includedTurns, includedMemories]).toEqual([4, 2]);
  });

  it('drops the oldest turns first to stay within the token budget', () => {
    const history = turns(50);
    const small = buildPrompt({ persona, memories: [], history, userText: 'q', tokenBudget: 400 });
    expect(small.estimatedTokens).toBeLessThanOrEqual(400);
    expect(small.includedTurns).toBeGreaterThan(0);
    expect(small.includedTurns).toBeLessThan(50);
    expect(small.messages.at(-2)?.content).toBe(history.at(-1)?.text);
    expect(small.messages[1]?.content).toBe(history[50 - small.includedTurns]?.text);
  });

  it('caps memories at their share of the budget, keeping the most relevant', () => {
    const memories = Array.from({ length: 40 }, (_, i) => `memory ${i} ${'y'.repeat(60)}`);
    const built = buildPrompt({ persona, memories, history: turns(2), userText: 'q', tokenBudget: 1000 });
    expect(built.includedMemories).toBeGreaterThan(0);
    expect(built.includedMemories).toBeLessThan(40);
    expect(built.messages[0]?.content).toContain('memory 0 ');
    expect(built.messages[0]?.content).not.toContain('memory 39 ');
    expect(built.includedTurns).toBe(2);
  });

  it('keeps persona and question even when they alone exceed the budget', () => {
    const built = buildPrompt({
      persona,
      memories: ['m'],
      history: turns(3),
      userText: 'q',
      tokenBudget: 10,
    });
    expect(built.messages.map((m) => m.role)).toEqual(['system', 'user']);
  });
});

describe('estimateTokens', () => {
  it('counts about four ASCII characters per token and non-ASCII characters as a token each', () => {
    expect(estimateTokens('')).toBe(0);
    expect(estimateTokens('abcdefgh')).toBe(2);
    expect(estimateTokens('日本語')).toBe(3);
  });
});
