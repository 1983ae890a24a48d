import { frameCountFor, frameSampleRange } from '../../domain/arkit';
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

  private coarticulated(phonemes: readonly PhonemeTiming[], source: PhonemeSource) {
    return coarticulate(toSegments(phonemes, source, this.profile), this.profile.coarticulation);
  }
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
