import { ARKIT_BLENDSHAPES } from '../../domain/arkit';
import type { PhonemeSegment } from './normalize';
import type { CoarticulationSettings } from './profile';

/**
 * A segment with its cross-fades. Activations of consecutive segments sum to 1 at every instant: the boundary
 * into a segment fades from (boundary - attack) to (boundary + release), each clamped to half the neighbouring
 * segment, so short phonemes blend instead of stepping. Mirrors models/wav2arkit/visemes.py `activations`.
 */
export interface CoarticulatedSegment extends PhonemeSegment {
  /** Peak weight: short phonemes are not fully reached, except those that must be (lip closures, silence). */
  strength: number;
  riseBeginMs: number;
  riseEndMs: number;
  fallBeginMs: number;
  fallEndMs: number;
}

export function coarticulate(segments: readonly PhonemeSegment[], settings: CoarticulationSettings) {
  const last = segments.at(-1);
  const padded: PhonemeSegment[] = [
    ...segments,
    { phoneme: 'sil', startMs: last?.endMs ?? 0, endMs: Number.POSITIVE_INFINITY },
  ];
  const windows: [number, number][] = [];
  for (let i = 1; i < padded.length; i++) {
    const before = padded[i - 1]!;
    const into = padded[i]!;
    const attack = Math.min(settings.attackMs, (before.endMs - before.startMs) / 2);
    const release = Math.min(settings.releaseMs, (into.endMs - into.startMs) / 2);
    windows.push([into.startMs - attack, into.startMs + release]);
  }
  return padded.map((segment, i): CoarticulatedSegment => {
    const [riseBeginMs, riseEndMs] = i === 0 ? [-Infinity, -Infinity] : windows[i - 1]!;
    const [fallBeginMs, fallEndMs] = i === padded.length - 1 ? [Infinity, Infinity] : windows[i]!;
    return {
      ...segment,
      strength: strength(segment, settings),
      riseBeginMs,
      riseEndMs,
      fallBeginMs,
      fallEndMs,
    };
  });
}

function strength(segment: PhonemeSegment, settings: CoarticulationSettings): number {
  if (settings.alwaysFullStrength.includes(segment.phoneme)) return 1;
  const ratio = (segment.endMs - segment.startMs) / settings.fullStrengthMs;
  return Math.min(1, Math.max(settings.minStrength, ratio));
}

function fade(timeMs: number, beginMs: number, endMs: number): number {
  if (endMs <= beginMs) return timeMs >= beginMs ? 1 : 0;
  const x = Math.min(1, Math.max(0, (timeMs - beginMs) / (endMs - beginMs)));
  return x * x * (3 - 2 * x);
}

/** 0..1: how much of the segment's mouth shape is present at `timeMs`. */
export function activationAt(segment: CoarticulatedSegment, timeMs: number): number {
  return (
    fade(timeMs, segment.riseBeginMs, segment.riseEndMs) *
    (1 - fade(timeMs, segment.fallBeginMs, segment.fallEndMs))
  );
}

/** Shape vectors (52 weights, ARKit order) per canonical phoneme. */
export type ShapeTable = ReadonlyMap<string, Float64Array>;

export function shapeTable(weights: Readonly<Record<string, Readonly<Record<string, number>>>>): ShapeTable {
  const table = new Map<string, Float64Array>();
  for (const [phoneme, named] of Object.entries(weights)) {
    table.set(
      phoneme,
      Float64Array.from(ARKIT_BLENDSHAPES, (name) => named[name] ?? 0),
    );
  }
  return table;
}

/** ARKit-52 weights per frame, sampled at each frame's centre: the curves the model is trained to reproduce. */
export function arkitCurves(
  segments: readonly CoarticulatedSegment[],
  shapes: ShapeTable,
  frameCount: number,
  fps: number,
): Float64Array[] {
  const frames = Array.from({ length: frameCount }, () => new Float64Array(ARKIT_BLENDSHAPES.length));
  const frameMs = 1000 / fps;
  for (const segment of segments) {
    const shape = shapes.get(segment.phoneme);
    if (!shape?.some((w) => w > 0)) continue;
    const first = Math.max(0, Math.floor(segment.riseBeginMs / frameMs - 0.5));
    const last = Math.min(frameCount - 1, Math.ceil(segment.fallEndMs / frameMs));
    for (let f = first; f <= last; f++) {
      const amount = activationAt(segment, (f + 0.5) * frameMs) * segment.strength;
      if (amount === 0) continue;
      const frame = frames[f]!;
      for (let k = 0; k < shape.length; k++) frame[k]! += amount * shape[k]!;
    }
  }
  for (const frame of frames) {
    for (let k = 0; k < frame.length; k++) frame[k] = Math.min(1, Math.max(0, frame[k]!));
  }
  return frames;
}
