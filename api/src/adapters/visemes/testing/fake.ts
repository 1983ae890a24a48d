import { frameCountFor, frameSampleRange, neutralWeights } from '../../../domain/arkit';
import type { PhonemeTiming } from '../../../domain/audio';
import type { BlendshapeFrame, VisemeCue } from '../../../domain/session-events';
import type { PhonemeSource } from '../normalize';
import { type Rig, resolveRig } from '../rigs';
import type { VisemeService } from '../types';

/** Scriptable VisemeService for pipeline tests: returns the cues you set and neutral frames, records its calls. */
export class FakeVisemeService implements VisemeService {
  readonly label = 'fake';
  scriptedCues: VisemeCue[] = [];
  readonly calls: { phonemes: readonly PhonemeTiming[]; rig: Rig; source: PhonemeSource }[] = [];

  resolveRig(rigId: string, overrides?: unknown) {
    return resolveRig(rigId, overrides);
  }

  cues(phonemes: readonly PhonemeTiming[], rig: Rig, source: PhonemeSource): VisemeCue[] {
    this.calls.push({ phonemes, rig, source });
    return this.scriptedCues.map((cue) => ({ ...cue }));
  }

  /** The scripted cues too: what the face model's frames say is the real service's business. */
  cuesFromFrames(frames: readonly BlendshapeFrame[]): VisemeCue[] {
    return frames.length > 0 ? this.scriptedCues.map((cue) => ({ ...cue })) : [];
  }

  frames(
    _phonemes: readonly PhonemeTiming[],
    _source: PhonemeSource,
    audio: { sampleRate: number; sampleCount: number },
  ): BlendshapeFrame[] {
    return Array.from({ length: frameCountFor(audio.sampleCount, audio.sampleRate) }, (_, index) => ({
      index,
      ...frameSampleRange(index, audio.sampleRate),
      weights: neutralWeights(),
    }));
  }
}
