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
  /** Answers scheduled and not yet over, oldest first (a greeting may still play when the answer arrives). */
  #timelines: Timeline[] = [];
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
    // Answers that are over are forgotten; their source nodes have ended.
    this.#timelines = this.#timelines.filter((t) => !t.stopped && t.end > now);
    let timeline = this.#timelines.find((t) => t.responseId === chunk.responseId);
    if (!timeline) {
      // A new answer starts after whatever the previous one still has to say.
      const start = Math.max(now + this.#jitter, this.#timelines.at(-1)?.end ?? 0);
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
      this.#timelines.push(timeline);
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

  /** Context time (s) at which `ms` of the answer plays, or null when that answer is not scheduled. */
  timeOf(responseId: string, ms: number): number | null {
    const timeline = this.#timelines.find((t) => t.responseId === responseId && !t.stopped);
    return timeline ? timeline.anchor + ms / 1000 : null;
  }

  /** The latest answer scheduled (playing or waiting to play). */
  get responseId(): string | null {
    return this.#live().at(-1)?.responseId ?? null;
  }

  /** Audio is scheduled that has not finished playing. */
  get playing(): boolean {
    return this.#live().length > 0;
  }

  /** How much of the answer being heard (else the latest) has played by the audio clock. */
  position(): PlayedPosition | null {
    const timeline = this.#heard(this.#live());
    return timeline ? this.#positionOf(timeline) : null;
  }

  /** Times the latest answer moved back because a chunk came late. */
  get underruns(): number {
    return this.#timelines.at(-1)?.underruns ?? 0;
  }

  /**
   * Silences everything scheduled at once (barge-in), or only `responseId`, and returns how much of the answer
   * being heard had played. Chunks of a stopped answer still in flight are dropped when they arrive.
   */
  stop(responseId?: string): PlayedPosition | null {
    const targets = this.#live().filter((t) => !responseId || t.responseId === responseId);
    const heard = this.#heard(targets);
    if (!heard) return null;
    const played = this.#positionOf(heard);
    for (const timeline of targets) this.#silence(timeline);
    return played;
  }

  #live(): Timeline[] {
    const now = this.context.currentTime;
    return this.#timelines.filter((t) => !t.stopped && t.end > now);
  }

  /** Of these answers, the one sounding now: the first that has started, else the first waiting. */
  #heard(timelines: Timeline[]): Timeline | undefined {
    const now = this.context.currentTime;
    return timelines.findLast((t) => t.anchor <= now) ?? timelines[0];
  }

  #positionOf(timeline: Timeline): PlayedPosition {
    const playedMs = (this.context.currentTime - timeline.anchor) * 1000;
    return { responseId: timeline.responseId, playedMs: Math.max(0, Math.min(timeline.endMs, playedMs)) };
  }

  #silence(timeline: Timeline): void {
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
  }
}
