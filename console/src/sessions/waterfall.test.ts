import { describe, expect, it } from 'vitest';
import { tickStep, waterfallStages } from './waterfall';

describe('waterfallStages', () => {
  it('lays the stages of a spoken turn end to end, each from the previous mark to its own', () => {
    const stages = waterfallStages({
      sttMs: 180,
      promptMs: 210,
      llmFirstTokenMs: 420,
      firstAudioMs: 560,
      totalMs: 2300,
    });
    expect(stages.map((s) => [s.key, s.startMs, s.endMs])).toEqual([
      ['stt', 0, 180],
      ['prompt', 180, 210],
      ['llm', 210, 420],
      ['tts', 420, 560],
      ['rest', 560, 2300],
    ]);
  });

  it('leaves out what a turn lacks, and marks that are missing, malformed or out of order', () => {
    expect(waterfallStages({ llmFirstTokenMs: 90, totalMs: 300 }).map((s) => [s.key, s.startMs])).toEqual([
      ['llm', 0],
      ['rest', 90],
    ]);
    expect(waterfallStages({ sttMs: 'soon', promptMs: 50, llmFirstTokenMs: 20, totalMs: 80 })).toEqual([
      expect.objectContaining({ key: 'prompt', startMs: 0, endMs: 50 }),
      expect.objectContaining({ key: 'rest', startMs: 50, endMs: 80 }),
    ]);
    expect(waterfallStages(null)).toEqual([]);
    expect(waterfallStages('{}')).toEqual([]);
  });
});

describe('tickStep', () => {
  it('picks round steps of about a fifth of the axis', () => {
    expect(tickStep(2300)).toBe(500);
    expect(tickStep(90)).toBe(20);
    expect(tickStep(0)).toBe(1);
  });
});
