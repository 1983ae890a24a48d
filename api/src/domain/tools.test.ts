import { describe, expect, it } from 'vitest';
import type { AnswerContract } from './answer-contract';
import { readExpressCall } from './tools';

const contract: AnswerContract = {
  gestures: ['nod', 'wave', 'shrug'],
  emotions: ['neutral', 'happy'],
  maxGestures: 2,
  actions: [],
};

describe("the agent's express call", () => {
  it('keeps the emotion and gestures of the contract, at most its maximum, and tells the agent what it dropped', () => {
    const read = readExpressCall(
      JSON.stringify({ emotion: 'happy', gestures: ['nod', 'dance', 'wave', 'shrug', 7] }),
      contract,
    );
    expect(read.emotion).toBe('happy');
    expect(read.gestures).toEqual(['nod', 'wave']);
    expect(JSON.parse(read.reply)).toEqual({ ok: true, dropped: ['dance', 'shrug'] });
  });

  it('ignores an emotion outside the contract, and answers empty arguments with ok', () => {
    expect(readExpressCall(JSON.stringify({ emotion: 'furious' }), contract)).toEqual({
      emotion: undefined,
      gestures: [],
      reply: '{"ok":true}',
    });
    expect(readExpressCall('', contract).reply).toBe('{"ok":true}');
  });

  it('answers arguments that are not JSON with a typed error and no gesture', () => {
    const read = readExpressCall('{"emotion": ', contract);
    expect(read.gestures).toEqual([]);
    expect(JSON.parse(read.reply)).toEqual({ error: { code: 'INVALID_ARGUMENTS', message: 'not JSON' } });
  });
});
