/**
 * The microphone socket's wire protocol, pure (no sockets here): the client sends JSON text messages for
 * control and binary frames of raw PCM16LE mono audio; the server answers with JSON text messages.
 *
 *   client → {"type":"audio.start","utteranceId"?:string,"sampleRate":8000|16000|24000|48000,"encoding":"pcm16",
 *             "traceparent"?:string,"playbackReports"?:boolean,"syncFrames"?:boolean}
 *   client → <binary PCM16LE mono at the announced rate> ...
 *   client → {"type":"control.end_turn"} | {"type":"vad","speaking":boolean}
 *          | {"type":"interrupt","responseId"?:string,"playedMs"?:number}
 *   server → {"type":"ready",...} | {"type":"audio.started",...} | {"type":"error","code":...,"message":...} | ...
 *   server → <binary sync frames, when asked for: see sync-frames.ts>
 */
import { z } from 'zod';
import { int16FromBytes } from '../adapters/audio/pcm';
import { type InputSampleRate, SUPPORTED_INPUT_RATES } from '../domain/audio';
import type { StreamOptions } from '../realtime/ports';

/** Offered by browsers as `new WebSocket(url, [AUDIO_SUBPROTOCOL, 'bearer.' + token])`. */
export const AUDIO_SUBPROTOCOL = 'avatar-audio.v1';
export const BEARER_SUBPROTOCOL_PREFIX = 'bearer.';

export const DEFAULT_MAX_FRAME_BYTES = 32 * 1024;
export const DEFAULT_MAX_TEXT_BYTES = 4 * 1024;

const sampleRateSchema = z
  .number()
  .refine((rate): rate is InputSampleRate => (SUPPORTED_INPUT_RATES as readonly number[]).includes(rate), {
    message: `sampleRate must be one of ${SUPPORTED_INPUT_RATES.join(', ')}`,
  });

const audioStartSchema = z.object({
  type: z.literal('audio.start'),
  utteranceId: z
    .string()
    .regex(/^[\w.:-]{1,128}$/, 'utteranceId: 1-128 letters, digits, _ . : -')
    .optional(),
  sampleRate: sampleRateSchema,
  encoding: z.literal('pcm16'),
  /** W3C trace context the stream's turns continue. Tracing is best effort: anything unusable is dropped. */
  traceparent: z.string().max(256).optional().catch(undefined),
  /**
   * The client counts its own playback: at a barge-in the server waits (briefly) for its `interrupt` with
   * `playedMs`, so what the user heard is cut where playback stopped rather than where the server estimates.
   */
  playbackReports: z.boolean().optional(),
  /** Also send the answers as binary sync frames: each 30 fps frame's audio and 52 weights (sync-frames.ts). */
  syncFrames: z.boolean().optional(),
});

const interruptSchema = z.object({
  type: z.literal('interrupt'),
  responseId: z.string().max(128).optional(),
  /** How much of the answer's audio the client played before it stopped (its audio clock). */
  playedMs: z.number().finite().nonnegative().max(86_400_000).optional(),
});

export const clientMessageSchema = z.discriminatedUnion('type', [
  audioStartSchema,
  z.object({ type: z.literal('control.end_turn') }),
  interruptSchema,
  z.object({ type: z.literal('vad'), speaking: z.boolean() }),
]);

export type ClientMessage = z.infer<typeof clientMessageSchema>;
export type AudioStartMessage = z.infer<typeof audioStartSchema>;

export type ProtocolErrorCode =
  | 'bad_json'
  | 'unknown_type'
  | 'invalid_message'
  | 'unsupported_sample_rate'
  | 'unsupported_encoding'
  | 'message_too_large'
  | 'json_in_binary_frame'
  | 'audio_not_started'
  | 'odd_length'
  | 'frame_too_large'
  | 'sink_failed';

export interface ProtocolError {
  code: ProtocolErrorCode;
  message: string;
}

export type ServerMessage =
  | { type: 'ready'; sessionId: string; sampleRates: readonly number[]; maxFrameBytes: number }
  | { type: 'audio.started'; utteranceId: string; sampleRate: InputSampleRate }
  | { type: 'turn.ended'; utteranceId: string | null }
  | { type: 'interrupted' }
  | { type: 'speech.started'; utteranceId: string; atMs: number }
  | { type: 'speech.ended'; utteranceId: string; atMs: number; endOfTurn: boolean }
  | { type: 'session.ended'; reason: string }
  /** The session goes on elsewhere: connect again with the same token (close code 1012 follows). */
  | { type: 'reconnect'; reason: string }
  | { type: 'error'; code: ProtocolErrorCode | string; message: string };

/** Close codes for fatal conditions (recoverable ones are `error` messages on an open socket). */
export const CLOSE_CODES = {
  /** The session ended (idle, too long, ended by a client): the reason says which. */
  normal: 1000,
  /** Too many protocol errors: the client is broken or hostile. */
  policyViolation: 1008,
  /** A frame above the hard limit (ws closes with this itself). */
  messageTooBig: 1009,
  /** The server could not open the audio pipeline for this session. */
  internalError: 1011,
  /** Server shutting down. */
  goingAway: 1001,
  /** The session goes on on another node: connect again (WebSocket's "service restart"). */
  reconnect: 1012,
} as const;

export type DecodeResult<T> = { ok: true; value: T } | { ok: false; error: ProtocolError };

const fail = (code: ProtocolErrorCode, message: string): { ok: false; error: ProtocolError } => ({
  ok: false,
  error: { code, message },
});

/** Parses one text frame into a client message, or says precisely what is wrong with it. */
export function decodeTextMessage(
  text: string,
  maxTextBytes = DEFAULT_MAX_TEXT_BYTES,
): DecodeResult<ClientMessage> {
  if (Buffer.byteLength(text) > maxTextBytes) {
    return fail('message_too_large', `Text messages are limited to ${maxTextBytes} bytes`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return fail('bad_json', 'Text frames must be JSON messages; audio goes in binary frames');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    return fail('invalid_message', 'A message must be a JSON object with a "type"');
  }
  const type = (json as { type?: unknown }).type;
  if (!clientMessageSchema.options.some((option) => option.shape.type.value === type)) {
    return fail('unknown_type', `Unknown message type ${JSON.stringify(type)?.slice(0, 64) ?? 'undefined'}`);
  }
  const parsed = clientMessageSchema.safeParse(json);
  if (parsed.success) return { ok: true, value: parsed.data };
  const issue = parsed.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  if (field === 'sampleRate') return fail('unsupported_sample_rate', issue?.message ?? 'Bad sampleRate');
  if (field === 'encoding')
    return fail('unsupported_encoding', 'Only "pcm16" (signed 16-bit little-endian) is accepted');
  return fail('invalid_message', `${field || 'message'}: ${issue?.message ?? 'invalid'}`);
}

/** Best-effort check for a client that sent its JSON control message as a binary frame. */
function looksLikeJson(bytes: Uint8Array): boolean {
  if (bytes[0] !== 0x7b || bytes[bytes.length - 1] !== 0x7d) return false;
  try {
    JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8'));
    return true;
  } catch {
    return false;
  }
}

/** Validates one binary frame and copies it out as PCM samples (little-endian on any host). */
export function decodeAudioFrame(
  bytes: Uint8Array,
  opts: { started: boolean; maxFrameBytes?: number },
): DecodeResult<Int16Array> {
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  if (bytes.byteLength > maxFrameBytes) {
    return fail('frame_too_large', `Audio frames are limited to ${maxFrameBytes} bytes; send smaller chunks`);
  }
  if (looksLikeJson(bytes)) {
    return fail('json_in_binary_frame', 'Control messages must be sent as text frames, not binary');
  }
  if (!opts.started) {
    return fail('audio_not_started', 'Send {"type":"audio.start",...} before audio frames');
  }
  if (bytes.byteLength % 2 !== 0) {
    return fail('odd_length', 'PCM16 frames must hold a whole number of 2-byte samples');
  }
  return { ok: true, value: int16FromBytes(bytes) };
}

export type QueuedInput =
  | { kind: 'start'; utteranceId: string; sampleRate: InputSampleRate; options: StreamOptions }
  /** arrivedAtMs: performance.now() when the frame came off the socket, for the frame latency histogram. */
  | { kind: 'audio'; pcm: Int16Array; arrivedAtMs: number }
  | { kind: 'endTurn' }
  | { kind: 'vad'; speaking: boolean };

export interface AudioQueueStats {
  queuedBytes: number;
  droppedFrames: number;
  droppedBytes: number;
}

/**
 * What waits between the socket and a possibly slow consumer, in order. Audio is capped: when the
 * consumer stalls, the OLDEST audio is dropped (stale mic audio is worth less than fresh) and counted;
 * control items are never dropped, so a turn still ends where the client said.
 */
export class BoundedAudioQueue {
  readonly maxBytes: number;
  #items: QueuedInput[] = [];
  #queuedBytes = 0;
  #droppedFrames = 0;
  #droppedBytes = 0;

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes;
  }

  push(item: QueuedInput): void {
    this.#items.push(item);
    if (item.kind !== 'audio') return;
    this.#queuedBytes += item.pcm.byteLength;
    while (this.#queuedBytes > this.maxBytes) {
      const oldest = this.#items.findIndex((queued) => queued.kind === 'audio');
      const [dropped] = this.#items.splice(oldest, 1);
      if (dropped?.kind !== 'audio') break;
      this.#queuedBytes -= dropped.pcm.byteLength;
      this.#droppedFrames++;
      this.#droppedBytes += dropped.pcm.byteLength;
    }
  }

  shift(): QueuedInput | undefined {
    const item = this.#items.shift();
    if (item?.kind === 'audio') this.#queuedBytes -= item.pcm.byteLength;
    return item;
  }

  /** Barge-in: audio still waiting belongs to speech that was interrupted; control items stay. */
  discardAudio(): void {
    this.#items = this.#items.filter((item) => item.kind !== 'audio');
    this.#queuedBytes = 0;
  }

  get length(): number {
    return this.#items.length;
  }

  get stats(): AudioQueueStats {
    return {
      queuedBytes: this.#queuedBytes,
      droppedFrames: this.#droppedFrames,
      droppedBytes: this.#droppedBytes,
    };
  }
}
