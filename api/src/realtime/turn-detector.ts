/**
 * Turns per-window VAD probabilities into speech start / end-of-turn events. Pure: no timers, no I/O;
 * time is counted in VAD windows, so tests and replays are deterministic.
 */
export interface TurnDetectorOptions {
  /** Duration of one VAD window (Silero v5 at 16 kHz: 512 samples = 32 ms). */
  windowMs?: number;
  /** Probability at or above which a window counts as speech. */
  activationThreshold?: number;
  /** While speaking, a window only counts as silence below this (hysteresis keeps soft syllables in). */
  deactivationThreshold?: number;
  /** Consecutive speech needed before speechStart: coughs and clicks stay below it. */
  minSpeechMs?: number;
  /** Silence after speech that ends the turn. */
  endOfTurnSilenceMs?: number;
  /**
   * A shorter silence after which a `pause` is announced (0: never): the turn may already be over, which a look at
   * what was said can tell before the full silence has passed.
   */
  pauseMs?: number;
}

/**
 * `hint`: the client's VAD said it stopped while ours already heard silence; `complete`: at a pause, what was
 * said already reads as a finished sentence or question.
 */
export type SpeechEndReason = 'silence' | 'explicit' | 'hint' | 'complete' | 'cancelled';

export type TurnEvent =
  | { type: 'speechStart' /** Start of the first speech window, from the detector's start. */; atMs: number }
  /** `pauseMs` of silence after speech: the turn may be over (the speech is still on). */
  | { type: 'pause'; atMs: number }
  | {
      type: 'speechEnd';
      /** End of the last speech window. */
      atMs: number;
      /** False only when cancelled: the speech ended but nothing should be answered. */
      endOfTurn: boolean;
      reason: SpeechEndReason;
      /** Whether speech was detected at all (an explicit end_turn can come without any). */
      hadSpeech: boolean;
    };

export const DEFAULT_TURN_OPTIONS: Required<TurnDetectorOptions> = {
  windowMs: 32,
  activationThreshold: 0.5,
  deactivationThreshold: 0.35,
  minSpeechMs: 96,
  endOfTurnSilenceMs: 500,
  pauseMs: 0,
};

export class TurnDetector {
  readonly options: Required<TurnDetectorOptions>;
  #windows = 0;
  #speaking = false;
  /** Window index where the current run of speech-looking windows began, before it was confirmed. */
  #candidateStart: number | null = null;
  #lastSpeechWindow = -1;
  #silentWindows = 0;

  constructor(opts: TurnDetectorOptions = {}) {
    this.options = { ...DEFAULT_TURN_OPTIONS, ...opts };
    const o = this.options;
    if (!(o.windowMs > 0) || o.minSpeechMs < 0 || !(o.endOfTurnSilenceMs > 0)) {
      throw new RangeError('TurnDetector: windowMs and endOfTurnSilenceMs must be > 0, minSpeechMs >= 0');
    }
    if (o.deactivationThreshold > o.activationThreshold) {
      throw new RangeError('TurnDetector: deactivationThreshold must not exceed activationThreshold');
    }
  }

  /** True between speechStart and speechEnd. */
  get speaking(): boolean {
    return this.#speaking;
  }

  /** Stream time heard so far (since the last reset). */
  get elapsedMs(): number {
    return this.#windows * this.options.windowMs;
  }

  /** Feeds the next window's speech probability; returns the events it caused (usually none). */
  push(probability: number): TurnEvent[] {
    const window = this.#windows++;
    const o = this.options;
    const events: TurnEvent[] = [];
    if (!this.#speaking) {
      if (probability >= o.activationThreshold) {
        this.#candidateStart ??= window;
        const runMs = (window - this.#candidateStart + 1) * o.windowMs;
        if (runMs >= o.minSpeechMs) {
          this.#speaking = true;
          this.#silentWindows = 0;
          this.#lastSpeechWindow = window;
          events.push({ type: 'speechStart', atMs: this.#candidateStart * o.windowMs });
        }
      } else {
        this.#candidateStart = null;
      }
      return events;
    }
    if (probability < o.deactivationThreshold) {
      this.#silentWindows++;
      const silentMs = this.#silentWindows * o.windowMs;
      if (silentMs >= o.endOfTurnSilenceMs) events.push(this.#end('silence', true));
      else if (o.pauseMs > 0 && silentMs >= o.pauseMs && silentMs - o.windowMs < o.pauseMs) {
        events.push({ type: 'pause', atMs: (this.#lastSpeechWindow + 1) * o.windowMs });
      }
    } else {
      this.#silentWindows = 0;
      this.#lastSpeechWindow = window;
    }
    return events;
  }

  /** The client said the turn is over (push-to-talk release, end_turn message). */
  endTurn(): TurnEvent[] {
    return [this.#end('explicit', true)];
  }

  /** The user stopped (the client says so, or what they said is complete): ends the turn if all is silent now. */
  endIfSilent(reason: 'hint' | 'complete' = 'hint'): TurnEvent[] {
    return this.#speaking && this.#silentWindows > 0 ? [this.#end(reason, true)] : [];
  }

  /** Speech is on and the last window was silence. */
  get pausing(): boolean {
    return this.#speaking && this.#silentWindows > 0;
  }

  /** Silence heard since the last speech window, while speech is on. */
  get pauseMs(): number {
    return this.#speaking ? this.#silentWindows * this.options.windowMs : 0;
  }

  /** Drops the current speech without ending a turn (utterance abandoned, socket closed). */
  cancel(): TurnEvent[] {
    return this.#speaking ? [this.#end('cancelled', false)] : [];
  }

  /** Starts over for a new utterance; time counts from zero again. */
  reset(): void {
    this.#windows = 0;
    this.#speaking = false;
    this.#candidateStart = null;
    this.#lastSpeechWindow = -1;
    this.#silentWindows = 0;
  }

  #end(reason: SpeechEndReason, endOfTurn: boolean): TurnEvent {
    const hadSpeech = this.#speaking;
    const atMs = hadSpeech
      ? (this.#lastSpeechWindow + 1) * this.options.windowMs
      : this.#windows * this.options.windowMs;
    this.#speaking = false;
    this.#candidateStart = null;
    this.#silentWindows = 0;
    return { type: 'speechEnd', atMs, endOfTurn, reason, hadSpeech };
  }
}
