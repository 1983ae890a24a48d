import type { PhonemeTiming } from '../../domain/audio';
import type { BlendshapeFrame, VisemeCue } from '../../domain/session-events';
import type { PhonemeSource } from './normalize';
import type { Rig } from './rigs';

/** Turns phoneme timings from any source into what an avatar rig plays. Pure and synchronous: never does I/O. */
export interface VisemeService {
  readonly label: string;
  /** The persona's rig (`Persona.avatarRig`) with its overrides (`Persona.visemeMap`); never throws. */
  resolveRig(rigId: string, overrides?: unknown): { rig: Rig; warnings: string[] };
  /** Cues for one speech chunk; times are relative to the chunk like its phonemes. */
  cues(phonemes: readonly PhonemeTiming[], rig: Rig, source: PhonemeSource): VisemeCue[];
  /**
   * Cues read back from ARKit-52 frames (the face model's output), for speech that came without phoneme timings:
   * each frame is taken as the canonical mouth shape it is closest to, at the strength it reaches. Times are in ms
   * from `originSample` (the chunk's first sample) at `sampleRate`; frames before it give cues that start before 0.
   */
  cuesFromFrames(
    frames: readonly BlendshapeFrame[],
    rig: Rig,
    sampleRate: number,
    originSample: number,
  ): VisemeCue[];
  /**
   * ARKit-52 frames at 30 fps driven by phoneme timings (for TTS that reports phonemes), covering `sampleCount`
   * samples at `sampleRate`, with the rig's shapes (overrides included) when it is an ARKit rig.
   */
  frames(
    phonemes: readonly PhonemeTiming[],
    source: PhonemeSource,
    audio: { sampleRate: number; sampleCount: number; rig?: Rig },
  ): BlendshapeFrame[];
}
