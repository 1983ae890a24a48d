import { describe, expect, it } from 'vitest';
import type { WordTiming } from './audio';
import { DEFAULT_GESTURE_MS, DEFAULT_INTENSITY, parseGesturePlan, planGestures } from './gesture-plan';

const WORDS: WordTiming[] = ['Well,', 'I', 'think', 'that', 'is', 'great!'].map((word, index) => ({
  word,
  index,
  startMs: index * 300,
  endMs: index * 300 + 250,
}));
const LIBRARY = ['nod', 'shake_head', 'smile', 'wave', 'shrug', 'think', 'eyebrow_raise'];
const base = { responseId: 'r1', words: WORDS, library: LIBRARY };

describe('planGestures', () => {
  it('starts a gesture on the word it names by index', () => {
    const { gestures, warnings } = planGestures({
      ...base,
      plan: [{ gesture: 'nod', wordIndex: 3, intensity: 0.9 }],
    });
    expect(warnings).toEqual([]);
    expect(gestures).toEqual([
      {
        responseId: 'r1',
        gesture: 'nod',
        startMs: 900,
        durationMs: DEFAULT_GESTURE_MS,
        intensity: 0.9,
        wordIndex: 3,
      },
    ]);
  });

  it('finds the word by text, ignoring case and punctuation', () => {
    const { gestures } = planGestures({
      ...base,
      plan: [{ gesture: 'think', atWord: 'THINK', durationMs: 400 }],
    });
    expect(gestures[0]).toMatchObject({ startMs: 600, durationMs: 400, wordIndex: 2 });
    expect(
      planGestures({ ...base, plan: [{ gesture: 'wave', atWord: 'great' }] }).gestures[0]!.wordIndex,
    ).toBe(5);
  });

  it('spans the whole sentence when the gesture names no word', () => {
    const { gestures } = planGestures({ ...base, plan: [{ gesture: 'smile' }], speechDurationMs: 2000 });
    expect(gestures[0]).toMatchObject({
      startMs: 0,
      durationMs: 2000,
      wordIndex: null,
      intensity: DEFAULT_INTENSITY,
    });
  });

  it('drops gestures outside the persona library with a warning', () => {
    const { gestures, warnings } = planGestures({
      ...base,
      plan: [{ gesture: 'backflip' }, { gesture: 'nod' }],
    });
    expect(gestures.map((g) => g.gesture)).toEqual(['nod']);
    expect(warnings).toEqual(['gesture "backflip" is not in the persona\'s gesture library; dropped']);
  });

  it('adds a sentence-long gesture for the emotion unless the plan already has it', () => {
    const happy = planGestures({ ...base, plan: [{ gesture: 'nod', wordIndex: 1 }], emotion: 'Happy' });
    expect(happy.gestures.map((g) => [g.gesture, g.startMs, g.durationMs])).toEqual([
      ['smile', 0, 1750],
      ['nod', 300, DEFAULT_GESTURE_MS],
    ]);
    expect(planGestures({ ...base, plan: [{ gesture: 'smile' }], emotion: 'happy' }).gestures).toHaveLength(
      1,
    );
    expect(planGestures({ ...base, plan: [], emotion: 'neutral' }).gestures).toEqual([]);
    expect(planGestures({ ...base, plan: [], emotion: 'happy', library: ['nod'] }).gestures).toEqual([]);
  });

  it('never throws on malformed plans: bad entries are dropped, bad anchors start with the sentence, bad fields get defaults', () => {
    const parsed = parseGesturePlan([
      { gesture: 'nod', word_index: 42 },
      { gesture: 'wave', at_word: 'banana' },
      { gesture: 'shrug', duration_ms: -5, intensity: Number.NaN },
      { gesture: 'think', intensity: 7 },
      { word_index: 2 },
      42,
      null,
      'eyebrow_raise',
    ]);
    const { gestures, warnings } = planGestures({ ...base, plan: parsed.plan });
    expect(gestures.map((g) => g.gesture).sort()).toEqual(['nod', 'shrug', 'think', 'wave']);
    expect(gestures.every((g) => g.startMs === 0 && g.durationMs >= 100)).toBe(true);
    expect(gestures.find((g) => g.gesture === 'shrug')!.intensity).toBe(DEFAULT_INTENSITY);
    expect(gestures.find((g) => g.gesture === 'think')!.intensity).toBe(1);
    expect([...parsed.warnings, ...warnings]).toHaveLength(6);
    expect(parseGesturePlan('nod please')).toEqual({
      plan: [],
      warnings: ['gesture_plan is not a list; ignored'],
    });
    expect(parseGesturePlan(undefined)).toEqual({ plan: [], warnings: [] });
    expect(planGestures({ ...base, plan: [], words: [] })).toEqual({ gestures: [], warnings: [] });
  });
});
