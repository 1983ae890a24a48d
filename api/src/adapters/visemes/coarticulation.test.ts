import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ARKIT_INDEX } from '../../domain/arkit';
import { activationAt, arkitCurves, coarticulate, shapeTable } from './coarticulation';
import { type PhonemeSegment, type PhonemeSource, toSegments } from './normalize';
import { VISEME_PROFILE } from './profile';

interface CurvesFixture {
  fps: number;
  cases: {
    source: PhonemeSource;
    phonemes: { phoneme: string; startMs: number; endMs: number }[];
    segments: PhonemeSegment[];
    curves: number[][];
  }[];
}

// Written by models/wav2arkit/fixtures.py: the training targets for the same phoneme timings.
const fixture: CurvesFixture = JSON.parse(
  readFileSync(new URL('../../../../models/wav2arkit/fixtures/curves.json', import.meta.url), 'utf8'),
);
const settings = VISEME_PROFILE.coarticulation;
const shapes = shapeTable(VISEME_PROFILE.rigs.arkit.weights);

describe('coarticulation', () => {
  it.each(fixture.cases.map((c) => [c.source, c] as const))(
    'reproduces the wav2arkit training targets exactly (%s names)',
    (_source, testCase) => {
      const segments = toSegments(testCase.phonemes, testCase.source);
      expect(segments).toEqual(testCase.segments);
      const curves = arkitCurves(
        coarticulate(segments, settings),
        shapes,
        testCase.curves.length,
        fixture.fps,
      );
      let worst = 0;
      curves.forEach((frame, f) => {
        frame.forEach((w, k) => {
          worst = Math.max(worst, Math.abs(w - testCase.curves[f]![k]!));
        });
      });
      expect(worst).toBeLessThan(1e-9);
    },
  );

  it('cross-fades so activations always sum to one (no steps, no gaps)', () => {
    const segments = coarticulate(
      [
        { phoneme: 'sil', startMs: 0, endMs: 50 },
        { phoneme: 'm', startMs: 50, endMs: 60 },
        { phoneme: 'aa', startMs: 60, endMs: 260 },
        { phoneme: 'p', startMs: 260, endMs: 330 },
      ],
      settings,
    );
    for (let t = -20; t < 500; t += 3.7) {
      const total = segments.reduce((sum, s) => sum + activationAt(s, t), 0);
      expect(total).toBeCloseTo(1, 9);
    }
    const aa = segments[2]!;
    // The vowel starts opening before its boundary (attack) and keeps going after it ends (release).
    expect(activationAt(aa, 58)).toBeGreaterThan(0);
    expect(activationAt(aa, 58)).toBeLessThan(1);
    expect(activationAt(aa, 265)).toBeGreaterThan(0);
  });

  it('reduces short open phonemes but always closes the lips fully on bilabials', () => {
    const segments = coarticulate(
      [
        { phoneme: 'aa', startMs: 0, endMs: 20 },
        { phoneme: 'b', startMs: 20, endMs: 35 },
        { phoneme: 'aa', startMs: 35, endMs: 300 },
      ],
      settings,
    );
    expect(segments[0]!.strength).toBe(settings.minStrength);
    expect(segments[1]!.strength).toBe(1);
    expect(segments[2]!.strength).toBe(1);
  });

  it('opens the jaw on vowels and keeps it nearly shut at a long /m/', () => {
    const segments = coarticulate(
      [
        { phoneme: 'sil', startMs: 0, endMs: 100 },
        { phoneme: 'aa', startMs: 100, endMs: 300 },
        { phoneme: 'm', startMs: 300, endMs: 500 },
      ],
      settings,
    );
    const curves = arkitCurves(segments, shapes, 20, 30);
    const jaw = ARKIT_INDEX.get('jawOpen')!;
    expect(curves[1]![jaw]).toBe(0);
    expect(curves[6]![jaw]).toBeGreaterThan(0.6);
    expect(curves[12]![jaw]).toBeLessThan(0.1);
  });
});
