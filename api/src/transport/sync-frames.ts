/**
 * The audio socket's `sync_frame` output (asked for with `"syncFrames": true` in `audio.start`): for clients that
 * want each 30 fps frame's audio and its 52 weights in one binary message, as the Avatar Chat Server sends them.
 * Built from the session's own `SpeechChunk` and `BlendshapeFrames` events, so it says exactly what they say.
 *
 * One message per frame, little-endian:
 *
 *   offset size  field
 *   0      1     kind = 1 (sync frame)
 *   1      1     reserved (0)
 *   2      2     weight count (52)
 *   4      4     frame index, from the start of the answer
 *   8      4     sampleStart  } the frame's samples on the answer's audio timeline, at sampleRate
 *   12     4     sampleEnd    }
 *   16     4     sampleRate
 *   20     16    responseId as the bytes of its UUID
 *   36     52    weights in ARKit order, each round(weight × 255)
 *   88     …     the frame's audio: PCM16LE mono, sampleEnd − sampleStart samples
 */
import type { SessionEvent } from '../domain/session-events';

export const SYNC_FRAME_KIND = 1;
export const SYNC_FRAME_HEADER_BYTES = 88;
const WEIGHTS = 52;

type Of<T extends SessionEvent['type']> = Extract<SessionEvent, { type: T }>;

interface Pending {
  responseId: string;
  /** Audio of the answer not yet sent, starting at `offset` (samples on the answer's timeline). */
  audio: Int16Array[];
  offset: number;
  buffered: number;
}

/** Turns one session's events into sync frames; answers that were cut off send nothing more. */
export class SyncFramer {
  #pending: Pending | null = null;
  readonly #cut = new Set<string>();

  push(event: SessionEvent): Uint8Array[] {
    switch (event.type) {
      case 'SpeechChunk':
        this.#audio(event);
        return [];
      case 'BlendshapeFrames':
        return this.#frames(event);
      case 'Interrupted':
        this.#cut.add(event.responseId);
        if (this.#cut.size > 16) this.#cut.delete(this.#cut.values().next().value as string);
        if (this.#pending?.responseId === event.responseId) this.#pending = null;
        return [];
      case 'ResponseDone':
        if (this.#pending?.responseId === event.responseId) this.#pending = null;
        return [];
      default:
        return [];
    }
  }

  #audio(chunk: Of<'SpeechChunk'>): void {
    if (this.#cut.has(chunk.responseId)) return;
    if (this.#pending?.responseId !== chunk.responseId) {
      this.#pending = { responseId: chunk.responseId, audio: [], offset: 0, buffered: 0 };
    }
    const bytes = Buffer.from(chunk.audio, 'base64');
    const samples = new Int16Array(bytes.length >> 1);
    for (let i = 0; i < samples.length; i++) samples[i] = bytes.readInt16LE(i * 2);
    this.#pending.audio.push(samples);
    this.#pending.buffered += samples.length;
  }

  #frames(event: Of<'BlendshapeFrames'>): Uint8Array[] {
    const pending = this.#pending;
    if (!pending || pending.responseId !== event.responseId) return [];
    const id = uuidBytes(event.responseId);
    const out: Uint8Array[] = [];
    for (const frame of event.frames) {
      const samples = this.#take(pending, frame.sampleStart, frame.sampleEnd);
      if (!samples) continue;
      const message = new Uint8Array(SYNC_FRAME_HEADER_BYTES + samples.length * 2);
      const view = new DataView(message.buffer);
      view.setUint8(0, SYNC_FRAME_KIND);
      view.setUint16(2, WEIGHTS, true);
      view.setUint32(4, frame.index, true);
      view.setUint32(8, frame.sampleStart, true);
      view.setUint32(12, frame.sampleEnd, true);
      view.setUint32(16, event.sampleRate, true);
      message.set(id, 20);
      for (let i = 0; i < WEIGHTS; i++) {
        const weight = frame.weights[i] ?? 0;
        message[36 + i] = Math.round(Math.max(0, Math.min(1, Number.isFinite(weight) ? weight : 0)) * 255);
      }
      for (let i = 0; i < samples.length; i++)
        view.setInt16(SYNC_FRAME_HEADER_BYTES + i * 2, samples[i]!, true);
      out.push(message);
    }
    return out;
  }

  /** The answer's samples [start, end), dropping everything before `end` (frames come in order). */
  #take(pending: Pending, start: number, end: number): Int16Array | null {
    if (start < pending.offset || end > pending.offset + pending.buffered || end <= start) return null;
    const out = new Int16Array(end - start);
    let skip = start - pending.offset;
    let filled = 0;
    while (filled < out.length && pending.audio.length > 0) {
      const head = pending.audio[0]!;
      const from = Math.min(skip, head.length);
      const n = Math.min(head.length - from, out.length - filled);
      out.set(head.subarray(from, from + n), filled);
      filled += n;
      skip -= from;
      if (from + n === head.length) pending.audio.shift();
      else pending.audio[0] = head.subarray(from + n);
    }
    pending.buffered -= end - pending.offset;
    pending.offset = end;
    return out;
  }
}

/** A UUID's 16 bytes; anything else (never, today) as zeros. */
function uuidBytes(id: string): Uint8Array {
  const hex = id.replace(/-/g, '');
  return /^[0-9a-f]{32}$/i.test(hex) ? Uint8Array.from(Buffer.from(hex, 'hex')) : new Uint8Array(16);
}
