import { describe, expect, it } from 'vitest';
import { decodeSyncFrame } from '../../../client/src/audio/sync-frame';
import { frameSampleRange } from '../domain/arkit';
import type { SessionEvent } from '../domain/session-events';
import { SyncFramer } from './sync-frames';

const RATE = 24_000;
const RESPONSE = '0b6f8a52-8f0e-4c55-9d3c-2f1e7c2b9a10';
const base = { seq: 0, sessionId: 's', at: '' };

/** `n` samples counting up from `from`, as a SpeechChunk of the answer. */
function chunk(chunkSeq: number, from: number, n: number, responseId = RESPONSE): SessionEvent {
  const samples = Int16Array.from({ length: n }, (_, i) => (from + i) % 30000);
  return {
    ...base,
    type: 'SpeechChunk',
    responseId,
    chunkSeq,
    audio: Buffer.from(samples.buffer).toString('base64'),
    sampleRate: RATE,
    encoding: 'pcm16',
    startMs: (from * 1000) / RATE,
    durationMs: (n * 1000) / RATE,
    text: '',
    phonemes: [],
    visemes: [],
    gestures: [],
  };
}

function frames(chunkSeq: number, indices: number[], responseId = RESPONSE): SessionEvent {
  return {
    ...base,
    type: 'BlendshapeFrames',
    responseId,
    chunkSeq,
    fps: 30,
    sampleRate: RATE,
    frames: indices.map((index) => ({
      index,
      ...frameSampleRange(index, RATE),
      weights: Array.from({ length: 52 }, (_, k) => (k === 17 ? index / 10 : 0)),
    })),
  };
}

describe('sync frames', () => {
  it("pairs each frame with its own samples, across chunk boundaries, in one message the client's reader decodes", () => {
    const framer = new SyncFramer();
    // 240 ms chunks (5760 samples); frames of 800 samples come late by two (the face model's look-ahead).
    expect(framer.push(chunk(0, 0, 5760))).toEqual([]);
    const first = framer.push(frames(0, [0, 1, 2, 3, 4]));
    framer.push(chunk(1, 5760, 5760));
    const second = framer.push(frames(1, [5, 6, 7, 8, 9, 10, 11, 12]));
    const decoded = [...first, ...second].map((m) => decodeSyncFrame(m)!);
    expect(decoded.map((f) => f.index)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    for (const frame of decoded) {
      expect(frame).toMatchObject({ sampleRate: RATE, responseId: RESPONSE });
      expect(frame.samples.length).toBe(frame.sampleEnd - frame.sampleStart);
      expect(frame.samples[0]).toBe(frame.sampleStart);
      expect(frame.samples.at(-1)).toBe(frame.sampleEnd - 1);
      expect(frame.weights[17]).toBeCloseTo(Math.min(1, frame.index / 10), 2);
    }
    // Frame 7 (5600-6400) straddles the two chunks.
    expect(decoded[7]!.samples.slice(150, 170)).toEqual(Int16Array.from({ length: 20 }, (_, i) => 5750 + i));
  });

  it('sends nothing more of an answer that was cut off, nor frames whose audio it never had', () => {
    const framer = new SyncFramer();
    framer.push(chunk(0, 0, 5760));
    expect(framer.push(frames(0, [0]))).toHaveLength(1);
    framer.push({ ...base, type: 'Interrupted', responseId: RESPONSE, heardText: '', playedMs: 10 });
    framer.push(chunk(1, 5760, 5760));
    expect(framer.push(frames(1, [1, 2, 3]))).toEqual([]);
    // Another answer's frames, and frames past the audio received, are skipped rather than sent wrong.
    const other = '1b6f8a52-8f0e-4c55-9d3c-2f1e7c2b9a11';
    framer.push(chunk(0, 0, 1000, other));
    expect(framer.push(frames(0, [0], RESPONSE))).toEqual([]);
    expect(framer.push(frames(0, [0, 1], other)).map((m) => decodeSyncFrame(m)?.index)).toEqual([0]);
  });

  it('refuses to read what is not a sync frame', () => {
    expect(decodeSyncFrame(new Uint8Array(10))).toBeNull();
    const message = new SyncFramer();
    message.push(chunk(0, 0, 800));
    const [bytes] = message.push(frames(0, [0]));
    expect(decodeSyncFrame(bytes!.subarray(0, bytes!.length - 2))).toBeNull();
    const wrongKind = Uint8Array.from(bytes!);
    wrongKind[0] = 7;
    expect(decodeSyncFrame(wrongKind)).toBeNull();
  });
});
