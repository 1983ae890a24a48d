/**
 * Reads the audio socket's binary sync frames (`"syncFrames": true` in `audio.start`): one message per 30 fps frame
 * with the frame's audio and its 52 weights. Layout: api/src/transport/sync-frames.ts.
 */
export interface SyncFrame {
  /** Frame number from the start of the answer. */
  index: number;
  /** The frame's samples on the answer's audio timeline [sampleStart, sampleEnd), at sampleRate. */
  sampleStart: number;
  sampleEnd: number;
  sampleRate: number;
  /** The answer, as its UUID (the `responseId` of the session's events). */
  responseId: string;
  /** 52 weights in ARKit order, in [0, 1] (sent with 8 bits each). */
  weights: Float32Array;
  /** The frame's audio, PCM16 mono. */
  samples: Int16Array;
}

const KIND = 1;
const HEADER_BYTES = 88;

/** The frame in one binary message, or null when the message is not a sync frame this reader knows. */
export function decodeSyncFrame(data: ArrayBuffer | Uint8Array): SyncFrame | null {
  const bytes = data instanceof Uint8Array ? data : new Uint8Array(data);
  if (bytes.byteLength < HEADER_BYTES || bytes[0] !== KIND) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const count = view.getUint16(2, true);
  const sampleStart = view.getUint32(8, true);
  const sampleEnd = view.getUint32(12, true);
  if (count !== 52 || bytes.byteLength !== HEADER_BYTES + (sampleEnd - sampleStart) * 2) return null;
  const hex = Array.from(bytes.subarray(20, 36), (b) => b.toString(16).padStart(2, '0')).join('');
  const samples = new Int16Array(sampleEnd - sampleStart);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(HEADER_BYTES + i * 2, true);
  return {
    index: view.getUint32(4, true),
    sampleStart,
    sampleEnd,
    sampleRate: view.getUint32(16, true),
    responseId: `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`,
    weights: Float32Array.from(bytes.subarray(36, 88), (b) => b / 255),
    samples,
  };
}
