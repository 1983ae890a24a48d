import {
  ARKIT_BLENDSHAPES,
  ARKIT_INDEX,
  type ArkitBlendshape,
  frameCountFor,
  frameSampleRange,
} from '../../domain/arkit';
import type { PhonemeTiming } from '../../domain/audio';
import type { BlendshapeFrame, VisemeCue } from '../../domain/session-events';
import { arkitCurves, type CoarticulatedSegment, coarticulate, shapeTable } from './coarticulation';
import { type PhonemeSource, toSegments } from './normalize';
import { VISEME_PROFILE, type VisemeProfile } from './profile';
import { type Rig, resolveRig } from './rigs';
import type { VisemeService } from './types';

/** Weights below this are not worth a cue. */
const MIN_CUE_WEIGHT = 0.02;

/** The VisemeService driven by viseme-profile.json (the table wav2arkit is trained from). */
export class ProfileVisemeService implements VisemeService {
  readonly label = 'profile';
  constructor(private readonly profile: VisemeProfile = VISEME_PROFILE) {}

  resolveRig(rigId: string, overrides?: unknown) {
    return resolveRig(rigId, overrides, this.profile);
  }

  cues(phonemes: readonly PhonemeTiming[], rig: Rig, source: PhonemeSource): VisemeCue[] {
    if (phonemes.length === 0) return [];
    const segments = this.coarticulated(phonemes, source);
    return rig.kind === 'viseme' ? visemeCues(segments, rig.map) : blendshapeCues(segments, rig.weights);
  }

  frames(
    phonemes: readonly PhonemeTiming[],
    source: PhonemeSource,
    audio: { sampleRate: number; sampleCount: number; rig?: Rig },
  ): BlendshapeFrame[] {
    const weights = audio.rig?.kind === 'blendshape' ? audio.rig.weights : this.profile.rigs.arkit.weights;
    const count = audio.sampleRate > 0 ? frameCountFor(Math.max(0, audio.sampleCount), audio.sampleRate) : 0;
    const curves = arkitCurves(
      this.coarticulated(phonemes, source),
      shapeTable(weights),
      count,
      this.profile.fps,
    );
    return curves.map((curve, index) => {
      const range = frameSampleRange(index, audio.sampleRate);
      return {
        index,
        ...range,
        sampleEnd: Math.min(range.sampleEnd, audio.sampleCount),
        weights: Array.from(curve),
      };
    });
  }

  cuesFromFrames(
    frames: readonly BlendshapeFrame[],
    rig: Rig,
    sampleRate: number,
    originSample: number,
  ): VisemeCue[] {
    if (frames.length === 0 || sampleRate <= 0) return [];
    const shapes = this.#shapes();
    const segments: CoarticulatedSegment[] = [];
    for (const frame of frames) {
      const { phoneme, strength } = nearestShape(frame.weights, shapes);
      const startMs = ((frame.sampleStart - originSample) * 1000) / sampleRate;
      const endMs = ((frame.sampleEnd - originSample) * 1000) / sampleRate;
      const previous = segments.at(-1);
      if (previous?.phoneme === phoneme && previous.fallEndMs === startMs) {
        previous.endMs = previous.fallBeginMs = previous.fallEndMs = endMs;
        previous.strength = Math.max(previous.strength, strength);
        continue;
      }
      // A frame holds its shape for its whole span: no fades beyond what the frames themselves show.
      segments.push({
        phoneme,
        startMs,
        endMs,
        strength,
        riseBeginMs: startMs,
        riseEndMs: startMs,
        fallBeginMs: endMs,
        fallEndMs: endMs,
      });
    }
    return rig.kind === 'viseme' ? visemeCues(segments, rig.map) : blendshapeCues(segments, rig.weights);
  }

  /** Each canonical phoneme's ARKit mouth shape as a vector over the blendshapes any shape uses. */
  #shapes(): MouthShapes {
    if (this.#mouthShapes) return this.#mouthShapes;
    const table = this.profile.rigs.arkit.weights;
    const used = [...new Set(Object.values(table).flatMap((shape) => Object.keys(shape)))];
    const indices = used.map((name) => ARKIT_INDEX.get(name as ArkitBlendshape) ?? -1).filter((i) => i >= 0);
    this.#mouthShapes = {
      indices,
      shapes: Object.entries(table).map(([phoneme, shape]) => {
        const vector = indices.map((i) => (shape as Record<string, number>)[ARKIT_BLENDSHAPES[i]!] ?? 0);
        return { phoneme, vector, norm: vector.reduce((n, x) => n + x * x, 0) };
      }),
    };
    return this.#mouthShapes;
  }

  #mouthShapes: MouthShapes | null = null;

  private coarticulated(phonemes: readonly PhonemeTiming[], source: PhonemeSource) {
    return coarticulate(toSegments(phonemes, source, this.profile), this.profile.coarticulation);
  }
}

interface MouthShapes {
  /** ARKit indices of the blendshapes that take part in some mouth shape. */
  indices: number[];
  shapes: { phoneme: string; vector: number[]; norm: number }[];
}

/**
 * The canonical shape a frame is closest to, at its best-fitting strength (least squares, strength in [0, 1]); a
 * mouth near rest is silence.
 */
function nearestShape(weights: readonly number[], { indices, shapes }: MouthShapes) {
  const frame = indices.map((i) => weights[i] ?? 0);
  const energy = frame.reduce((n, x) => n + x * x, 0);
  let best = { phoneme: 'sil', strength: 1, error: energy };
  for (const { phoneme, vector, norm } of shapes) {
    if (norm === 0) continue;
    const dot = vector.reduce((n, x, k) => n + x * (frame[k] ?? 0), 0);
    const strength = Math.max(0, Math.min(1, dot / norm));
    // |frame - s·shape|² = |frame|² - 2s(frame·shape) + s²|shape|²
    const error = energy - 2 * strength * dot + strength * strength * norm;
    if (error < best.error) best = { phoneme, strength, error };
  }
  return { phoneme: best.phoneme, strength: best.strength };
}

/** Cue span: from the start of the fade in to the end of the fade out; the trailing silence ends once reached. */
function span(segment: CoarticulatedSegment) {
  return {
    startMs: Number.isFinite(segment.riseBeginMs) ? segment.riseBeginMs : segment.startMs,
    endMs: Number.isFinite(segment.fallEndMs)
      ? segment.fallEndMs
      : Math.max(segment.startMs, Number.isFinite(segment.riseEndMs) ? segment.riseEndMs : 0),
  };
}

function visemeCues(
  segments: readonly CoarticulatedSegment[],
  map: Readonly<Record<string, string>>,
): VisemeCue[] {
  const cues: VisemeCue[] = [];
  for (const segment of segments) {
    const viseme = map[segment.phoneme] ?? map.sil ?? 'sil';
    const { startMs, endMs } = span(segment);
    const previous = cues.at(-1);
    // Consecutive phonemes with one viseme (e.g. "m b") hold the shape instead of re-triggering it.
    if (previous && previous.viseme === viseme) {
      previous.endMs = endMs;
      previous.weight = Math.max(previous.weight, segment.strength);
    } else {
      cues.push({ viseme, startMs, endMs, weight: segment.strength });
    }
  }
  return cues;
}

function blendshapeCues(
  segments: readonly CoarticulatedSegment[],
  weights: Readonly<Record<string, Readonly<Record<string, number>>>>,
): VisemeCue[] {
  const cues: VisemeCue[] = [];
  for (const segment of segments) {
    const { startMs, endMs } = span(segment);
    for (const [blendshape, weight] of Object.entries(weights[segment.phoneme] ?? {})) {
      const peak = weight * segment.strength;
      if (peak >= MIN_CUE_WEIGHT) cues.push({ viseme: blendshape, startMs, endMs, weight: peak });
    }
  }
  return cues;
}
