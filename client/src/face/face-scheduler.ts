/**
 * Shows, at each animation frame, the blendshape frame for the audio being heard at that moment. Frames are placed
 * on the answer's audio timeline (their sample range), which the player maps to the audio clock; the audio clock's
 * output timestamp says which instant is leaving the speakers now. A frame whose time has passed before it was
 * shown is skipped, never shown late or out of order; with nothing playing, the face eases back to rest.
 */
import { ARKIT_BLENDSHAPES, type ArkitBlendshape } from '../../../api/src/domain/arkit';

export { ARKIT_BLENDSHAPES, type ArkitBlendshape };

/** 52 weights by ARKit name, each in [0, 1]. */
export type FaceWeights = Record<ArkitBlendshape, number>;

export interface ScheduledFrame {
  /** Context times (s) of the audio this frame animates. */
  start: number;
  end: number;
  weights: readonly number[];
}

export interface FaceFrameInfo {
  /** The frame shown belongs to audio playing now (false: at rest, or easing back to rest). */
  speaking: boolean;
  /** Shown frame's centre minus the audio heard at this animation frame, in ms (null at rest). */
  offsetMs: number | null;
  /** The rig's viseme cues active for the audio heard now (for viseme-driven avatars), strongest first. */
  visemes: { viseme: string; weight: number }[];
}

/** A viseme cue placed on the audio clock (context times in s). */
export interface ScheduledCue {
  viseme: string;
  weight: number;
  start: number;
  end: number;
}

export type FaceListener = (weights: FaceWeights, info: FaceFrameInfo) => void;

/** How the scheduler reads the audio clock; AudioContext does this (see `audioClock`). */
export interface AudioClock {
  /** The context time (s) being heard at `performanceNow` (ms, the animation frame's timestamp). */
  heardAt(performanceNow: number): number;
}

/** The instant leaving the speakers, from the context's output timestamp (falls back to the output latency). */
export function audioClock(context: AudioContext): AudioClock {
  return {
    heardAt(performanceNow) {
      const stamp = context.getOutputTimestamp?.();
      if (
        stamp?.contextTime !== undefined &&
        stamp.performanceTime !== undefined &&
        stamp.performanceTime > 0
      ) {
        return stamp.contextTime + (performanceNow - stamp.performanceTime) / 1000;
      }
      return context.currentTime - (context.outputLatency || context.baseLatency || 0);
    },
  };
}

const REST_EASE = 0.25;

export class FaceScheduler {
  #frames: (ScheduledFrame & { shown?: boolean })[] = [];
  /** Cues whose audio has not finished playing, in order of their start. */
  #cues: ScheduledCue[] = [];
  readonly #listeners = new Set<FaceListener>();
  readonly #weights = new Float32Array(ARKIT_BLENDSHAPES.length);
  #skipped = 0;
  #shown = 0;

  constructor(private readonly clock: AudioClock) {}

  /** Adds frames in timeline order; frames already in the past are skipped at once. */
  add(frames: readonly ScheduledFrame[], now: number): void {
    for (const frame of frames) {
      const last = this.#frames.at(-1);
      if (frame.end <= now || (last && frame.start < last.start)) {
        this.#skipped++;
        continue;
      }
      this.#frames.push(frame);
    }
  }

  /** Adds viseme cues (a chunk's, placed on the audio clock); those whose audio already played are dropped. */
  addCues(cues: readonly ScheduledCue[], now: number): void {
    for (const cue of cues) if (cue.end > now && cue.weight > 0) this.#cues.push(cue);
    this.#cues.sort((a, b) => a.start - b.start);
  }

  /** Drops every frame and cue not yet shown (barge-in: the audio they belong to will not play). */
  clear(): void {
    this.#frames = [];
    this.#cues = [];
  }

  onFrame(listener: FaceListener): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** Frames dropped because their audio had already played (late or out of order). */
  get skipped(): number {
    return this.#skipped;
  }

  get shown(): number {
    return this.#shown;
  }

  /** One animation frame (call from requestAnimationFrame with its timestamp). */
  tick(performanceNow: number): void {
    const heard = this.clock.heardAt(performanceNow);
    // Frames whose audio has played are gone; one never shown (a slow loop, a stalled tab) is skipped, not replayed.
    while ((this.#frames[0]?.end ?? Number.POSITIVE_INFINITY) <= heard) {
      if (!this.#frames.shift()?.shown) this.#skipped++;
    }
    this.#cues = this.#cues.filter((cue) => cue.end > heard);
    const visemes = this.#cues
      .filter((cue) => cue.start <= heard)
      .map(({ viseme, weight }) => ({ viseme, weight: clamp01(weight) }))
      .sort((a, b) => b.weight - a.weight);
    const frame = this.#frames[0];
    let info: FaceFrameInfo;
    if (frame && frame.start <= heard) {
      for (let i = 0; i < this.#weights.length; i++) this.#weights[i] = clamp01(frame.weights[i] ?? 0);
      if (!frame.shown) this.#shown++;
      frame.shown = true;
      info = { speaking: true, offsetMs: ((frame.start + frame.end) / 2 - heard) * 1000, visemes };
    } else {
      for (let i = 0; i < this.#weights.length; i++)
        this.#weights[i] = (this.#weights[i] ?? 0) * (1 - REST_EASE);
      info = { speaking: visemes.length > 0, offsetMs: null, visemes };
    }
    const named = {} as FaceWeights;
    ARKIT_BLENDSHAPES.forEach((name, i) => {
      named[name] = this.#weights[i] ?? 0;
    });
    for (const listener of this.#listeners) listener(named, info);
  }
}

const clamp01 = (x: number) => (Number.isFinite(x) ? Math.max(0, Math.min(1, x)) : 0);
