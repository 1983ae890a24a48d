import { describe, expect, it } from 'vitest';
import { FakeLlm } from '../llm/testing/fake';
import { createLlmSummarizer, ruleBasedSummarizer } from './summarizers';

describe('summarizers', () => {
  it('extracts durable first-person statements as third-person memories', async () => {
    const result = await ruleBasedSummarizer([
      { id: '1', role: 'USER', text: 'Hi! My name is Ada. I love hiking in the mountains.' },
      { id: '2', role: 'ASSISTANT', text: 'I like hiking too!' },
      {
        id: '3',
        role: 'USER',
        text: 'What is the weather? I have a dog called Rex. Tomorrow I start a new job.',
      },
      { id: '4', role: 'USER', text: 'ok cool' },
    ]);
    expect(result.memories).toEqual([
      { text: "The user's name is Ada.", kind: 'FACT', importance: 0.9 },
      { text: 'The user loves hiking in the mountains.', kind: 'PREFERENCE', importance: 0.6 },
      { text: 'The user has a dog called Rex.', kind: 'FACT', importance: 0.7 },
      { text: 'Tomorrow the user starts a new job.', kind: 'EVENT', importance: 0.5 },
    ]);
    expect(result.summary).toContain('4 turns');
  });

  it('returns nothing for an empty conversation', async () => {
    expect(await ruleBasedSummarizer([])).toEqual({ summary: '', memories: [] });
  });

  it('parses an LLM JSON answer and falls back to the rule-based extractor on garbage', async () => {
    const llm = new FakeLlm([
      {
        content:
          '{"summary":"Talked about tea.","memories":[{"text":"User likes tea","kind":"PREFERENCE","importance":0.7}]}',
      },
      { content: 'not json at all' },
    ]);
    const summarize = createLlmSummarizer(llm);
    expect(await summarize([{ id: '1', role: 'USER', text: 'I like tea' }])).toEqual({
      summary: 'Talked about tea.',
      memories: [{ text: 'User likes tea', kind: 'PREFERENCE', importance: 0.7 }],
    });
    expect(llm.requests[0]!.messages[1]!.content).toBe('User: I like tea');
    const turns = [{ id: '2', role: 'USER' as const, text: 'My name is Alice and I love sailing.' }];
    expect(await summarize(turns)).toEqual(await ruleBasedSummarizer(turns));
  });
});
