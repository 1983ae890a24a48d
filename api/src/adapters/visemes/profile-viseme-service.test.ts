import { describe, expect, it } from 'vitest';
import { ARKIT_BLENDSHAPES, ARKIT_INDEX } from '../../domain/arkit';
import type { PhonemeTiming } from '../../domain/audio';
import { ProfileVisemeService } from './profile-viseme-service';

// "map" as espeak-ng reports it: phoneme events at these offsets (ms) in the chunk.
const MAP: PhonemeTiming[] = [
  { phoneme: 'm', startMs: 100, endMs: 180 },
  { phoneme: "'a", startMs: 180, endMs: 330 },
  { phoneme: 'p', startMs: 330, endMs: 400 },
  { phoneme: '_:', startMs: 400, endMs: 500 },
];

describe('ProfileVisemeService', () => {
  const service = new ProfileVisemeService();

  it('gives Oculus cues with overlapping attack/release spans and weights, not steps', () => {
    const { rig } = service.resolveRig('oculus');
    const cues = service.cues(MAP, rig, 'espeak');
    expect(cues.map((c) => c.viseme)).toEqual(['sil', 'PP', 'aa', 'PP', 'sil']);
    const [, closure, open] = cues;
    expect(closure!.endMs).toBeGreaterThan(open!.startMs);
    expect(open!.startMs).toBeLessThan(180);
    for (const cue of cues) {
      expect(cue.weight).toBeGreaterThan(0);
      expect(cue.weight).toBeLessThanOrEqual(1);
      expect(cue.endMs).toBeGreaterThan(cue.startMs);
    }
  });

  it('gives Azure viseme ids and honours persona overrides', () => {
    const { rig } = service.resolveRig('azure', { ae: '2' });
    expect(service.cues(MAP, rig, 'espeak').map((c) => c.viseme)).toEqual(['0', '21', '2', '21', '0']);
  });

  it('merges consecutive phonemes that share a viseme into one held cue', () => {
    const { rig } = service.resolveRig('oculus');
    const cues = service.cues(
      [
        { phoneme: 'M', startMs: 0, endMs: 60 },
        { phoneme: 'B', startMs: 60, endMs: 120 },
      ],
      rig,
      'arpabet',
    );
    expect(cues.map((c) => c.viseme)).toEqual(['PP', 'sil']);
  });

  it('gives ARKit blendshape cues named by blendshape', () => {
    const { rig } = service.resolveRig('arkit');
    const cues = service.cues(MAP, rig, 'espeak');
    expect(cues.every((c) => ARKIT_INDEX.has(c.viseme))).toBe(true);
    expect(cues.some((c) => c.viseme === 'jawOpen' && c.weight > 0.5)).toBe(true);
  });

  it('drives 30 fps ARKit frames tied to the chunk audio from phonemes', () => {
    const sampleRate = 22050;
    const frames = service.frames(MAP, 'espeak', { sampleRate, sampleCount: sampleRate / 2 });
    expect(frames).toHaveLength(15);
    expect(frames[0]).toMatchObject({ index: 0, sampleStart: 0, sampleEnd: 735 });
    expect(frames.at(-1)!.sampleEnd).toBe(sampleRate / 2);
    const jaw = ARKIT_INDEX.get('jawOpen')!;
    expect(frames[7]!.weights[jaw]).toBeGreaterThan(0.4);
    for (const frame of frames) {
      expect(frame.weights).toHaveLength(ARKIT_BLENDSHAPES.length);
      for (const w of frame.weights) expect(w >= 0 && w <= 1).toBe(true);
    }
  });

  it('returns nothing, without throwing, for empty or nonsensical input', () => {
    const { rig } = service.resolveRig('oculus');
    expect(service.cues([], rig, 'espeak')).toEqual([]);
    expect(service.cues([{ phoneme: 'a', startMs: Number.NaN, endMs: 5 }], rig, 'espeak')).toEqual([
      { viseme: 'sil', startMs: 0, endMs: 0, weight: 1 },
    ]);
    expect(service.frames(MAP, 'espeak', { sampleRate: 0, sampleCount: 100 })).toEqual([]);
    expect(service.frames(MAP, 'espeak', { sampleRate: 16000, sampleCount: -5 })).toEqual([]);
  });
});
