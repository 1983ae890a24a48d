/**
 * Plays an answer's speech chunks through Web Audio on one timeline per answer, and says which instant of that
 * timeline is being heard: the face is scheduled against the same clock (see FaceScheduler).
 *
 * Jitter buffer: the first chunk of an answer starts `jitterMs` after it arrives, and every later chunk is placed
 * where the answer's timeline puts it (`startMs`). A chunk that arrives too late for its place moves the rest of the
 * timeline back (a short pause, never overlapping or reordered audio); the face frames follow, since they are
 * placed on the same timeline.
 */

export interface PlayableChunk {
  responseId: string;
  /** Where the chunk starts on the answer's audio timeline. */
  startMs: number;
  sampleRate: number;
  samples: Float32Array;
}

export interface PlayedPosition {
  responseId: string;
  /** Milliseconds of the answer's audio played, by the audio clock. */
  playedMs: number;
}

export interface SpeechPlayerOptions {
  /** Delay before an answer's first chunk plays, absorbing network jitter (default 120 ms). */
  jitterMs?: number;
  /** A chunk is never scheduled closer to "now" than this (default 20 ms): Web Audio needs the lead. */
  minLeadMs?: number;
}

interface Timeline {
  responseId: string;
  /** Context time (s) at which the answer's position 0 plays. */
  anchor: number;
  /** Context time (s) at which the last scheduled audio ends. */
  end: number;
  /** Audio position (ms) reached by the scheduled audio. */
  endMs: number;
  sources: AudioBufferSourceNode[];
  gain: GainNode;
  stopped: boolean;
  /** Times the timeline moved back because a chunk came late. */
  underruns: number;
}

export class SpeechPlayer {
  /** Everything the player outputs goes through here (tests tap it to check what was really rendered). */
  readonly output: GainNode;
  readonly #jitter: number;
  readonly #minLead: number;
  #current: Timeline | null = null;
  /** Answers stopped by a barge-in: their late chunks are dropped. */
  readonly #stopped = new Set<string>();

  constructor(
    readonly context: AudioContext,
    opts: SpeechPlayerOptions = {},
  ) {
    this.#jitter = (opts.jitterMs ?? 120) / 1000;
    this.#minLead = (opts.minLeadMs ?? 20) / 1000;
    this.output = context.createGain();
    this.output.connect(context.destination);
  }

  /** Schedules one chunk; false when it belongs to an answer that was stopped. */
  enqueue(chunk: PlayableChunk): boolean {
    if (this.#stopped.has(chunk.responseId) || chunk.samples.length === 0) return false;
    const ctx = this.context;
    const now = ctx.currentTime;
    let timeline = this.#current;
    if (timeline?.responseId !== chunk.responseId) {
      // A new answer starts after whatever the previous one still has to say.
      const start = Math.max(now + this.#jitter, timeline && !timeline.stopped ? timeline.end : 0);
      const gain = ctx.createGain();
      gain.connect(this.output);
      timeline = {
        responseId: chunk.responseId,
        anchor: start - chunk.startMs / 1000,
        end: start,
        endMs: chunk.startMs,
        sources: [],
        gain,
        stopped: false,
        underruns: 0,
      };
      this.#current = timeline;
    }
    let at = timeline.anchor + chunk.startMs / 1000;
    if (at < now + this.#minLead) {
      // Late: move the rest of the answer back rather than cut or overlap it.
      timeline.anchor += now + this.#minLead - at;
      timeline.underruns++;
      at = now + this.#minLead;
    }
    const buffer = ctx.createBuffer(1, chunk.samples.length, chunk.sampleRate);
    buffer.copyToChannel(chunk.samples as Float32Array<ArrayBuffer>, 0);
    const source = ctx.createBufferSource();
    source.buffer = buffer;
    source.connect(timeline.gain);
    source.start(at);
    const sources = timeline.sources;
    source.onended = () => {
      const index = sources.indexOf(source);
      if (index >= 0) sources.splice(index, 1);
    };
    timeline.sources.push(source);
    timeline.end = Math.max(timeline.end, at + buffer.duration);
    timeline.endMs = Math.max(timeline.endMs, chunk.startMs + buffer.duration * 1000);
    return true;
  }

  /** Context time (s) at which `ms` of the answer plays, or null when the answer is not the one scheduled. */
  timeOf(responseId: string, ms: number): number | null {
    const timeline = this.#current;
    return timeline?.responseId === responseId && !timeline.stopped ? timeline.anchor + ms / 1000 : null;
  }

  /** The answer being played or waiting to play. */
  get responseId(): string | null {
    const timeline = this.#current;
    return timeline && !timeline.stopped ? timeline.responseId : null;
  }

  /** Audio is scheduled that has not finished playing. */
  get playing(): boolean {
    const timeline = this.#current;
    return !!timeline && !timeline.stopped && this.context.currentTime < timeline.end;
  }

  /** How much of the current answer has played by the audio clock. */
  position(): PlayedPosition | null {
    const timeline = this.#current;
    if (!timeline) return null;
    const playedMs = (this.context.currentTime - timeline.anchor) * 1000;
    return { responseId: timeline.responseId, playedMs: Math.max(0, Math.min(timeline.endMs, playedMs)) };
  }

  get underruns(): number {
    return this.#current?.underruns ?? 0;
  }

  /**
   * Silences the answer at once (barge-in) and returns how much of it played. Its chunks still in flight are
   * dropped when they arrive. `responseId`: stop only that answer.
   */
  stop(responseId?: string): PlayedPosition | null {
    const timeline = this.#current;
    if (!timeline || timeline.stopped || (responseId && timeline.responseId !== responseId)) return null;
    const played = this.position();
    timeline.stopped = true;
    this.#stopped.add(timeline.responseId);
    // Only recent answers can still have chunks in flight.
    if (this.#stopped.size > 16) this.#stopped.delete(this.#stopped.values().next().value as string);
    // Muting first makes the cut immediate even for a source whose stop() lands a render quantum later.
    timeline.gain.gain.setValueAtTime(0, this.context.currentTime);
    for (const source of timeline.sources) {
      try {
        source.stop();
      } catch {
        // never started: nothing to stop
      }
    }
    timeline.sources = [];
    timeline.gain.disconnect();
    return played;
  }
}
