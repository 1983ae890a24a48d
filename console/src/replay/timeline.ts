import { decodePcm16Base64, resample } from './pcm';

/** One row of the session's append-only event log (`Session.events`). */
export interface LoggedEvent {
  seq: number;
  type: string;
  payload: unknown;
}

export interface Span {
  startMs: number;
  endMs: number;
  label: string;
  weight?: number;
}

export interface TranscriptLine {
  atMs: number;
  endMs: number;
  speaker: 'user' | 'avatar';
  text: string;
  interrupted?: boolean;
  moderated?: boolean;
}

export interface FrameSample {
  timeMs: number;
  weights: number[];
}

/** Everything the replay draws, on one clock: milliseconds into the concatenated answer audio. */
export interface Timeline {
  sampleRate: number;
  samples: Float32Array;
  durationMs: number;
  transcript: TranscriptLine[];
  phonemes: Span[];
  visemes: Span[];
  gestures: Span[];
  frames: FrameSample[];
}

interface ChunkPayload {
  responseId: string;
  audio: string;
  sampleRate: number;
  startMs: number;
  durationMs: number;
  phonemes?: { phoneme: string; startMs: number; endMs: number }[];
  visemes?: { viseme: string; startMs: number; endMs: number; weight: number }[];
}

interface FramesPayload {
  responseId: string;
  sampleRate: number;
  frames: { sampleStart: number; weights: number[] }[];
}

const asRecord = (payload: unknown) =>
  (payload && typeof payload === 'object' ? payload : {}) as Record<string, unknown>;

/**
 * Lays a session's event log out as one timeline. Phonemes, visemes, gestures and blendshape sample ranges are
 * relative to their response's audio, so each response is placed after the audio of the ones before it, in
 * log order, and everything in it is shifted by that offset.
 */
export function buildTimeline(events: readonly LoggedEvent[]): Timeline {
  const sorted = [...events].sort((a, b) => a.seq - b.seq);
  const sampleRate = Number(
    asRecord(sorted.find((e) => e.type === 'SpeechChunk')?.payload).sampleRate ?? 24_000,
  );
  const pieces: { at: number; samples: Float32Array }[] = [];
  const responseOffset = new Map<string, number>();
  const responseEnd = new Map<string, number>();
  const timeline: Omit<Timeline, 'samples' | 'durationMs'> = {
    sampleRate,
    transcript: [],
    phonemes: [],
    visemes: [],
    gestures: [],
    frames: [],
  };
  let cursorMs = 0;
  const offsetOf = (responseId: string) => {
    let offset = responseOffset.get(responseId);
    if (offset === undefined) {
      offset = cursorMs;
      responseOffset.set(responseId, offset);
    }
    return offset;
  };

  for (const event of sorted) {
    const p = asRecord(event.payload);
    switch (event.type) {
      case 'TranscriptFinal':
        timeline.transcript.push({
          atMs: cursorMs,
          endMs: cursorMs,
          speaker: 'user',
          text: String(p.text ?? ''),
        });
        break;
      case 'SpeechChunk': {
        const chunk = p as unknown as ChunkPayload;
        const offset = offsetOf(chunk.responseId);
        const start = offset + chunk.startMs;
        const samples = resample(decodePcm16Base64(chunk.audio), chunk.sampleRate, sampleRate);
        pieces.push({ at: Math.round((start * sampleRate) / 1000), samples });
        const end = start + (samples.length / sampleRate) * 1000;
        responseEnd.set(chunk.responseId, Math.max(responseEnd.get(chunk.responseId) ?? 0, end));
        cursorMs = Math.max(cursorMs, end);
        for (const ph of chunk.phonemes ?? [])
          timeline.phonemes.push({
            startMs: offset + ph.startMs,
            endMs: offset + ph.endMs,
            label: ph.phoneme,
          });
        for (const v of chunk.visemes ?? [])
          timeline.visemes.push({
            startMs: offset + v.startMs,
            endMs: offset + v.endMs,
            label: v.viseme,
            weight: v.weight,
          });
        break;
      }
      case 'BlendshapeFrames': {
        const batch = p as unknown as FramesPayload;
        const offset = offsetOf(batch.responseId);
        for (const frame of batch.frames)
          timeline.frames.push({
            timeMs: offset + (frame.sampleStart / batch.sampleRate) * 1000,
            weights: frame.weights,
          });
        break;
      }
      case 'GestureEvent': {
        const offset = offsetOf(String(p.responseId));
        const startMs = offset + Number(p.startMs ?? 0);
        timeline.gestures.push({
          startMs,
          endMs: startMs + Number(p.durationMs ?? 0),
          label: String(p.gesture),
        });
        break;
      }
      case 'ResponseDone': {
        const id = String(p.responseId);
        const atMs = responseOffset.get(id) ?? cursorMs;
        timeline.transcript.push({
          atMs,
          endMs: responseEnd.get(id) ?? atMs,
          speaker: 'avatar',
          text: String(p.text ?? ''),
          moderated: Boolean(p.moderated),
        });
        break;
      }
      case 'Interrupted': {
        const id = String(p.responseId);
        const atMs = responseOffset.get(id) ?? cursorMs;
        timeline.transcript.push({
          atMs,
          endMs: atMs + Number(p.playedMs ?? 0),
          speaker: 'avatar',
          text: String(p.heardText ?? ''),
          interrupted: true,
        });
        break;
      }
    }
  }

  const total = pieces.reduce((n, piece) => Math.max(n, piece.at + piece.samples.length), 0);
  const samples = new Float32Array(total);
  for (const piece of pieces) samples.set(piece.samples, piece.at);
  timeline.frames.sort((a, b) => a.timeMs - b.timeMs);
  return { ...timeline, samples, durationMs: (total / sampleRate) * 1000 };
}

/** The blendshape frame showing at `timeMs` (the last one that started), or undefined before the first. */
export function frameAt(frames: readonly FrameSample[], timeMs: number): FrameSample | undefined {
  let lo = 0;
  let hi = frames.length - 1;
  let found: FrameSample | undefined;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const frame = frames[mid]!;
    if (frame.timeMs <= timeMs) {
      found = frame;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return found;
}

/** The span under `timeMs` in a lane, if any. */
export function spanAt(spans: readonly Span[], timeMs: number): Span | undefined {
  return spans.find((s) => s.startMs <= timeMs && timeMs < s.endMs);
}
