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
   * ARKit-52 frames at 30 fps driven by phoneme timings (for TTS that reports phonemes), covering `sampleCount`
   * samples at `sampleRate`, with the rig's shapes (overrides included) when it is an ARKit rig.
   */
  frames(
    phonemes: readonly PhonemeTiming[],
    source: PhonemeSource,
    audio: { sampleRate: number; sampleCount: number; rig?: Rig },
  ): BlendshapeFrame[];
}
