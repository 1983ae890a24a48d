/**
 * Turns per-frame VAD probabilities into speech start / end-of-turn events. Pure: no timers, no I/O;
 * time is counted in frames, so tests and replays are deterministic.
 */
export interface TurnDetectorOptions {
  /** Duration of one VAD frame (Silero v5 at 16 kHz: 512 samples = 32 ms). */
  frameMs?: number;
  /** Probability at or above which a frame counts as speech. */
  activationThreshold?: number;
  /** While speaking, a frame only counts as silence below this (hysteresis keeps soft syllables in). */
  deactivationThreshold?: number;
  /** Consecutive speech needed before speechStart: coughs and clicks stay below it. */
  minSpeechMs?: number;
  /** Silence after speech that ends the turn. */
  endOfTurnSilenceMs?: number;
}

export type SpeechEndReason = 'silence' | 'explicit' | 'cancelled';

export type TurnEvent =
  | { type: 'speechStart' /** Start of the first speech frame, from the detector's start. */; atMs: number }
  | {
      type: 'speechEnd';
      /** End of the last speech frame. */
      atMs: number;
      /** False only when cancelled: the speech ended but nothing should be answered. */
      endOfTurn: boolean;
      reason: SpeechEndReason;
      /** Whether speech was detected at all (an explicit end_turn can come without any). */
      hadSpeech: boolean;
    };

export const DEFAULT_TURN_OPTIONS: Required<TurnDetectorOptions> = {
  frameMs: 32,
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 96,
  endOfTurnSilenceMs: 500,
};

export class TurnDetector {
  readonly options: Required<TurnDetectorOptions>;
  #frames = 0;
  #speaking = false;
  /** Frame index where the current run of speech-looking frames began, before it was confirmed. */
  #candidateStart: number | null = null;
  #lastSpeechFrame = -1;
  #silentFrames = 0;

  constructor(opts: TurnDetectorOptions = {}) {
    this.options = { ...DEFAULT_TURN_OPTIONS, ...opts };
    const o = this.options;
    if (!(o.frameMs > 0) || o.minSpeechMs < 0 || !(o.endOfTurnSilenceMs > 0)) {
      throw new RangeError('TurnDetector: frameMs and endOfTurnSilenceMs must be > 0, minSpeechMs >= 0');
    }
    if (o.deactivationThreshold > o.activationThreshold) {
      throw new RangeError('TurnDetector: deactivationThreshold must not exceed activationThreshold');
    }
  }

  /** True between speechStart and speechEnd. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /** Feeds the next frame's speech probability; returns the events it caused (usually none). */
  push(probability: number): TurnEvent[] {
    const frame = this.#frames++;
    const o = this.options;
    const events: TurnEvent[] = [];
    if (!this.#speaking) {
      if (probability >= o.activationThreshold) {
        this.#candidateStart ??= frame;
        const runMs = (frame - this.#candidateStart + 1) * o.frameMs;
        if (runMs >= o.minSpeechMs) {
          this.#speaking = true;
          this.#silentFrames = 0;
          this.#lastSpeechFrame = frame;
          events.push({ type: 'speechStart', atMs: this.#candidateStart * o.frameMs });
        }
      } else {
        this.#candidateStart = null;
      }
      return events;
    }
    if (probability < o.deactivationThreshold) {
      this.#silentFrames++;
      if (this.#silentFrames * o.frameMs >= o.endOfTurnSilenceMs) events.push(this.#end('silence', true));
    } else {
      this.#silentFrames = 0;
      this.#lastSpeechFrame = frame;
    }
    return events;
  }

  /** The client said the turn is over (push-to-talk release, end_turn message). */
  endTurn(): TurnEvent[] {
    return [this.#end('explicit', true)];
  }

  /** Drops the current speech without ending a turn (utterance abandoned, socket closed). */
  cancel(): TurnEvent[] {
    return this.#speaking ? [this.#end('cancelled', false)] : [];
  }

  /** Starts over for a new utterance; time counts from zero again. */
  reset(): void {
    this.#frames = 0;
    this.#speaking = false;
    this.#candidateStart = null;
    this.#lastSpeechFrame = -1;
    this.#silentFrames = 0;
  }

  #end(reason: SpeechEndReason, endOfTurn: boolean): TurnEvent {
    const hadSpeech = this.#speaking;
    const atMs = hadSpeech
      ? (this.#lastSpeechFrame + 1) * this.options.frameMs
      : this.#frames * this.options.frameMs;
    this.#speaking = false;
    this.#candidateStart = null;
    this.#silentFrames = 0;
    return { type: 'speechEnd', atMs, endOfTurn, reason, hadSpeech };
  }
}
