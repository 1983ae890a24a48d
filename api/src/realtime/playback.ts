/**
 * Playback accounting for one answer: which sentences were spoken, where each sits on the answer's audio
 * timeline, how much audio went to the client and when, and so what the user heard when they cut in.
 * Pure: time comes in as arguments.
 */
import type { WordTiming } from '../domain/audio';

/** A sentence of the answer with its place on the answer's audio timeline (ms from its first sample). */
export interface SpokenSegment {
  text: string;
  startMs: number;
  endMs: number;
  /** Word timings on the answer's timeline, when the TTS gave them. */
  words: WordTiming[];
  /** All of the sentence's audio has been produced. */
  complete: boolean;
}

export class PlaybackLedger {
  readonly segments: SpokenSegment[] = [];
  /** Audio produced so far: where the next sentence starts. */
  private producedMs = 0;
  /** Audio handed to the client so far. */
  private sentMs = 0;
  /** When the first audio went to the client (clock ms); playback is assumed to run in real time from there. */
  private firstSentAt: number | null = null;

  /** A sentence starts being synthesized after everything produced before it. */
  beginSentence(text: string): SpokenSegment {
    const segment = { text, startMs: this.producedMs, endMs: this.producedMs, words: [], complete: false };
    this.segments.push(segment);
    return segment;
  }

  /** Appends one TTS chunk to the sentence; its word timings are relative to the chunk. */
  addAudio(segment: SpokenSegment, durationMs: number, words: readonly WordTiming[] = []): void {
    const chunkStart = this.producedMs;
    this.producedMs += durationMs;
    segment.endMs = this.producedMs;
    for (const word of words) {
      segment.words.push({ ...word, startMs: word.startMs + chunkStart, endMs: word.endMs + chunkStart });
    }
  }

  endSentence(segment: SpokenSegment): void {
    segment.complete = true;
  }

  /** A sentence shown as text only (speech off): delivered whole, at once, with no audio. */
  addText(text: string): void {
    this.endSentence(this.beginSentence(text));
  }

  /** Audio up to `endMs` of the answer went to the client at `now`. True for the answer's first audio. */
  markSent(endMs: number, now: number): boolean {
    const first = this.firstSentAt === null;
    if (first) this.firstSentAt = now;
    this.sentMs = Math.max(this.sentMs, endMs);
    return first;
  }

  /** The text of every complete sentence, as said. */
  get spokenText(): string {
    // An agent's audio whose words were never said (it failed first) is a segment without text.
    return this.segments
      .filter((s) => s.complete && s.text)
      .map((s) => s.text)
      .join(' ');
  }

  /** How much of the sent audio the client has played by `now`. */
  playedMs(now: number): number {
    if (this.firstSentAt === null) return 0;
    return Math.min(this.sentMs, now - this.firstSentAt);
  }

  /** The client is still playing audio it was sent. */
  isPlaying(now: number): boolean {
    return this.firstSentAt !== null && now < this.firstSentAt + this.sentMs;
  }

  /** A played position reported by the client, kept within what it was actually sent. */
  clampPlayed(playedMs: number): number {
    return Math.max(0, Math.min(playedMs, this.sentMs));
  }

  heardAt(playedMs: number): string {
    return heardTextAt(this.segments, playedMs);
  }
}

export const countWords = (text: string): number => text.split(/\s+/).filter(Boolean).length;

/**
 * What the user heard after `playedMs` of the answer: whole sentences, then the words of the cut sentence
 * whose midpoint was played. Without word timings, the cut sentence is estimated from the share of its
 * audio that played, rounded down to whole words.
 */
export function heardTextAt(segments: readonly SpokenSegment[], playedMs: number): string {
  const heard: string[] = [];
  for (const segment of segments) {
    if (segment.complete && segment.endMs <= playedMs) {
      if (segment.text) heard.push(segment.text);
      continue;
    }
    if (segment.startMs >= playedMs) break;
    const words = segment.text.split(/\s+/).filter(Boolean);
    let count: number;
    if (segment.words.length > 0) {
      count = segment.words.filter((w) => (w.startMs + w.endMs) / 2 <= playedMs).length;
    } else {
      const share = (playedMs - segment.startMs) / Math.max(1, segment.endMs - segment.startMs);
      const chars = Math.floor(segment.text.length * Math.min(1, share));
      count = segment.text.slice(0, chars + 1).split(/\s+/).length - 1;
    }
    if (count > 0) heard.push(words.slice(0, count).join(' '));
    break;
  }
  return heard.join(' ');
}
