/**
 * What the voice pipeline needs from the world outside it. `realtime/` declares these and never imports a
 * transport, a database or GraphQL: `transport/` drives the inputs, `services/` and `db/` implement the rest,
 * and `app.ts` plugs them together.
 */

import type { SttResult } from '../adapters/stt/types';
import type { InputSampleRate } from '../domain/audio';
import type { ConversationTurn } from '../domain/prompt';
import type { SessionEventPayload } from '../domain/session-events';
import type { ToolSpec } from '../domain/tools';
import type { TraceAttributes, TraceSpan } from '../domain/tracing';

/** Milliseconds, monotonic. Injected so tests can play out barge-in timing without waiting. */
export interface Clock {
  now(): number;
}

/** Starts the trace of one turn; `traceparent` (W3C) continues the client's trace, a malformed one is ignored. */
export interface TurnTracer {
  /** `sessionTraceId`: the session's own trace (W3C trace id), which the turn's trace links to. */
  startTurn(opts: {
    traceparent?: string;
    startTime?: number;
    attributes: TraceAttributes;
    sessionTraceId?: string;
  }): TraceSpan;
}

/** The pipeline's log lines; `fields` carry the ids of the session, the answer and its trace. */
export interface PipelineLog {
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

/** Where a user turn came from, for its trace. */
export interface TurnOrigin {
  /** The client's W3C `traceparent` (audio.start, or the GraphQL request that sent the text). */
  traceparent?: string;
  /** A spoken turn: why it ended and how long the silence wait took. */
  endOfTurn?: { reason: string; silenceMs: number };
  /**
   * The spoken turn's transcript, taken (or still being taken) at a pause with only silence after it: no second
   * transcription unless it comes to nothing (null).
   */
  transcript?: Promise<SttResult | null>;
}

/** Delivers a session's events to subscribers and the replay log. Never throws and never blocks the turn. */
export interface EventSink {
  /**
   * `writer` is this node's fencing token for the session when sessions are shared between nodes: a sink
   * refuses events whose writer no longer owns the session.
   */
  emit(sessionId: string, payload: SessionEventPayload, writer?: string): void;
}

/** One stored turn of a conversation. */
export interface TurnRecord {
  role: 'USER' | 'ASSISTANT';
  /** For an interrupted assistant turn, only what the user heard. */
  text: string;
  utteranceId: string | null;
  interrupted: boolean;
  emotion: string | null;
  /**
   * Latency marks in ms from the end of the user's turn, each where a stage ended: sttMs, promptMs (memories
   * recalled, prompt built), llmFirstTokenMs, firstAudioMs, totalMs.
   */
  timings: Record<string, number>;
  /** No provider could answer; the text is the persona's failure line that was said instead. */
  failed?: boolean;
  /** The model's answer satisfied the answer contract as written, with no repair (absent: no model answered). */
  contractKept?: boolean;
}

/** The durable record of what was said. */
export interface TurnStore {
  /** `fence`: the owner's fencing token when nodes share sessions; a stale one is refused (StaleWriterError). */
  save(sessionId: string, turn: TurnRecord, fence?: number): Promise<{ id: string }>;
  /** Barge-in after the answer was stored: it keeps only what the user heard. */
  truncate(turnId: string, heardText: string, fence?: number): Promise<void>;
}

/** Short-term memory of a live session: the last turns, fed back into every prompt. */
export interface ConversationHistory {
  append(sessionId: string, turn: ConversationTurn): Promise<void>;
  /** The most recent turns, oldest first. */
  recent(sessionId: string): Promise<ConversationTurn[]>;
  /** The user only heard part of the last answer: the model must only remember that part ('' forgets it). */
  truncateLastAssistant(sessionId: string, heardText: string): Promise<void>;
  /** The session ended: its window is no longer needed. */
  clear(sessionId: string): Promise<void>;
}

/** Long-term memories relevant to what the user said, as prompt lines. */
export interface MemoryRecall {
  recallTexts(query: { userId: string; personaId: string; query: string }): Promise<string[]>;
}

export interface ModerationVerdict {
  allowed: boolean;
  /** What to say: the text itself when allowed, the persona's fallback when not. */
  text: string;
  category?: string;
  /** Set when the text was queued for review; linked to the assistant turn once it is stored. */
  flagId?: string;
}

/** The pre-send filter on the model's sentences, before anything is spoken. */
export interface Moderator {
  moderate(input: { sessionId: string; personaId: string; text: string }): Promise<ModerationVerdict>;
  attachTurn(flagIds: readonly string[], turnId: string): Promise<void>;
}

/** Cost guards per session; `consumeTurn` throws a typed RATE_LIMITED error when a limit is reached. */
export interface TurnLimits {
  consumeTurn(sessionId: string): Promise<void>;
  recordTokens(sessionId: string, tokens: number): Promise<void>;
}

/** Session bookkeeping the pipeline triggers. */
export interface SessionActivity {
  /** The session is brought live by its first input. */
  markActive(sessionId: string): Promise<void>;
  /** The user took a turn (typed or spoken). */
  userTurn(sessionId: string): void;
}

/**
 * Realtime's own messages back to the client that holds the microphone. Each returns false when the message
 * could not be delivered (the client is gone or reads too slowly); the pipeline goes on either way.
 */
export interface ClientChannel {
  speechStarted(event: { utteranceId: string; atMs: number }): boolean;
  speechEnded(event: { utteranceId: string; atMs: number; endOfTurn: boolean }): boolean;
  /** The session ended (the reason is `SessionEnded`'s): the client's connection is closed. */
  sessionEnded(reason: string): boolean;
  /**
   * The session goes on, but not on this node (another took it over): the client's connection is closed with
   * word to connect again, and the session follows its new socket.
   */
  reconnect(reason: string): boolean;
}

/**
 * Finds word and phone timings, later, for an answer whose speech came without them (a TTS that gives audio
 * only): forced alignment of what was heard, stored on its turn for replay. Never throws.
 */
export interface SpeechAligner {
  align(answer: {
    sessionId: string;
    turnId: string;
    responseId: string;
    /** Each sentence said, with its place on the answer's audio timeline. */
    sentences: { text: string; startMs: number; endMs: number }[];
  }): void;
}

export interface StreamOptions {
  /** The client's trace (W3C), continued by the turns of this stream. */
  traceparent?: string;
  /** The client reports where its playback stopped (`PlayedReport`) when the user talks over the avatar. */
  playbackReports?: boolean;
}

/** Where a client's playback of an answer stopped, by its own audio clock. */
export interface PlayedReport {
  playedMs: number;
  /** The answer it played; a report for another answer is ignored. */
  responseId?: string;
}

/**
 * Where one client's microphone stream goes. Calls arrive in the client's order and never overlap (the
 * next waits for the previous promise), except `interrupt`, which is delivered at once, ahead of queued audio.
 */
export interface MicrophoneSink {
  start(utteranceId: string, sampleRate: InputSampleRate, opts?: StreamOptions): void | Promise<void>;
  audio(pcm: Int16Array): void | Promise<void>;
  endTurn(): void | Promise<void>;
  /** `played`: where the client's playback stopped, when it counts it. */
  interrupt(played?: PlayedReport): void | Promise<void>;
  /** The client's own VAD opinion: a stop while the server's VAD already hears silence ends the turn early. */
  vadHint(speaking: boolean): void | Promise<void>;
  close(): void | Promise<void>;
}

export type ToolOutcome =
  | { ok: true /** JSON text, as fed back to the model. */; output: string }
  | { ok: false; code: string; message: string };

/** The persona's tools: what the model is told, and running a call it made. */
export interface ToolRunner {
  readonly specs: readonly ToolSpec[];
  /** Never rejects: an unknown tool, bad arguments, a timeout or a bad answer is a failed outcome. */
  run(call: { name: string; arguments: string; signal: AbortSignal }): Promise<ToolOutcome>;
}
