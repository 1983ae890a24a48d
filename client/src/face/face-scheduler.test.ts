import { describe, expect, it } from 'vitest';
import { ARKIT_BLENDSHAPES, FaceScheduler, type FaceWeights } from './face-scheduler';

/** A 30 fps frame at `index` whose jawOpen is `jaw`, on an audio timeline starting at `origin` (s). */
const frame = (index: number, jaw: number, origin = 0) => {
  const weights = ARKIT_BLENDSHAPES.map((name) => (name === 'jawOpen' ? jaw : 0));
  return { start: origin + index / 30, end: origin + (index + 1) / 30, weights };
};

function setup() {
  let heard = 0;
  const face = new FaceScheduler({ heardAt: () => heard });
  const shown: { jaw: number; speaking: boolean; offsetMs: number | null }[] = [];
  face.onFrame((w: FaceWeights, info) => shown.push({ jaw: w.jawOpen, ...info }));
  return {
    face,
    shown,
    at(seconds: number) {
      heard = seconds;
      face.tick(0);
      return shown.at(-1)!;
    },
  };
}

describe('FaceScheduler', () => {
  it('shows the frame of the audio being heard, with its offset from the frame centre', () => {
    const { face, at } = setup();
    face.add([frame(0, 0.1), frame(1, 0.2), frame(2, 0.3)], 0);
    expect(at(0.01)).toMatchObject({ jaw: expect.closeTo(0.1, 5), speaking: true });
    const mid = at(0.05);
    expect(mid).toMatchObject({ jaw: expect.closeTo(0.2, 5), speaking: true });
    // Frame 1 spans 33.3-66.7 ms: its centre is 50 ms, the heard instant 50 ms.
    expect(mid.offsetMs).toBeCloseTo(0, 5);
    expect(at(0.09).jaw).toBeCloseTo(0.3, 5);
  });

  it('skips frames whose audio already played, and never shows them late or out of order', () => {
    const { face, at, shown } = setup();
    face.add([frame(0, 0.1), frame(1, 0.2)], 0);
    // The animation loop stalled past both frames: neither is shown afterwards.
    expect(at(0.2)).toMatchObject({ speaking: false });
    expect(face.skipped).toBe(2);
    // A late delivery: frames for audio already heard are dropped on arrival; one behind the last is too.
    face.add([frame(3, 0.5), frame(9, 0.9), frame(8, 0.8)], 0.2);
    expect(face.skipped).toBe(4);
    expect(at(0.31).jaw).toBeCloseTo(0.9, 5);
    expect(shown.filter((s) => s.speaking).map((s) => s.jaw.toFixed(1))).toEqual(['0.9']);
  });

  it('eases back to rest when no audio plays, and drops what was scheduled on clear()', () => {
    const { face, at } = setup();
    face.add([frame(0, 0.8), frame(1, 0.8), frame(2, 0.8)], 0);
    expect(at(0.01).jaw).toBeCloseTo(0.8, 5);
    face.clear();
    let last = at(0.04);
    expect(last.speaking).toBe(false);
    for (let i = 0; i < 30; i++) last = at(0.05 + i / 60);
    expect(last.jaw).toBeLessThan(0.01);
  });

  it('gives the viseme cues active for the audio heard, strongest first, and none once they played or were cleared', () => {
    let heard = 0;
    const clocked = new FaceScheduler({ heardAt: () => heard });
    const seen: { viseme: string; weight: number }[][] = [];
    clocked.onFrame((_w, info) => seen.push(info.visemes));
    clocked.addCues(
      [
        { viseme: 'aa', weight: 0.4, start: 0.0, end: 0.1 },
        { viseme: 'PP', weight: 0.9, start: 0.05, end: 0.15 },
        { viseme: 'old', weight: 1, start: -0.2, end: -0.1 },
      ],
      0,
    );
    for (heard of [0.02, 0.07, 0.12, 0.2]) clocked.tick(0);
    expect(seen).toEqual([
      [{ viseme: 'aa', weight: 0.4 }],
      [
        { viseme: 'PP', weight: 0.9 },
        { viseme: 'aa', weight: 0.4 },
      ],
      [{ viseme: 'PP', weight: 0.9 }],
      [],
    ]);
    clocked.addCues([{ viseme: 'E', weight: 0.5, start: 0.3, end: 0.4 }], heard);
    clocked.clear();
    heard = 0.35;
    clocked.tick(0);
    expect(seen.at(-1)).toEqual([]);
  });

  it('keeps weights in [0, 1] whatever the server sent', () => {
    const { face, at } = setup();
    const bad = frame(0, 0);
    bad.weights[0] = 7;
    bad.weights[1] = Number.NaN;
    bad.weights[2] = -3;
    face.add([bad], 0);
    at(0.01);
    const weights: number[] = [];
    face.onFrame((w) => weights.push(...Object.values(w)));
    at(0.02);
    expect(Math.max(...weights)).toBeLessThanOrEqual(1);
    expect(Math.min(...weights)).toBeGreaterThanOrEqual(0);
    expect(weights.some(Number.isNaN)).toBe(false);
  });
});
