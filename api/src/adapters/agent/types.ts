/**
 * Speech-to-speech agents (OpenAI Realtime, Gemini Live): the provider hears the user's audio and answers with
 * audio and its transcript. The session keeps one connection open and hands it one turn at a time; the face,
 * moderation, memory and barge-in stay ours (realtime/agent-turn.ts).
 */
import type { PcmAudio } from '../../domain/audio';
import type { ModelToolCall, ToolSpec } from '../../domain/tools';
import type { LlmUsage } from '../llm/types';

export type TurnDetection = 'ours' | 'provider';

/** What a connection is opened with; `instructions` are refreshed before every turn. */
export interface AgentSetup {
  instructions: string;
  /** The provider's voice name; its default when absent. */
  voice?: string;
  /** The provider's model; the adapter's configured one when absent. */
  model?: string;
  tools: readonly ToolSpec[];
}

export interface AgentImage {
  mimeType: string;
  data: Buffer;
}

/** One user turn for the agent: what was said (16 kHz audio) or typed, and images sent since the last turn. */
export interface AgentTurnInput {
  /** The persona and the memories recalled for this turn: the connection's instructions from now on. */
  instructions: string;
  audio?: PcmAudio;
  text?: string;
  images?: readonly AgentImage[];
}

export type AgentEvent =
  /** The provider's transcript of the user's audio. */
  | { type: 'input_transcript'; text: string }
  /** The answer's audio, in order. */
  | { type: 'audio'; samples: Int16Array; sampleRate: number }
  /** The answer's own transcript, as it streams. */
  | { type: 'transcript'; delta: string }
  | { type: 'usage'; usage: LlmUsage };

export interface AgentTurnOptions {
  signal: AbortSignal;
  /**
   * Runs a tool the model called and returns what to feed back to it (a JSON text); never rejects: a failed
   * call is fed back as an error object so the model can say so.
   */
  runTool(call: ModelToolCall): Promise<string>;
}

export interface AgentConnection {
  readonly label: string;
  /**
   * The answer to one turn, tool calls included (their results are fed back and the answer goes on). Throws a
   * ProviderError when the connection drops, the provider sends malformed events or goes quiet; aborting
   * `signal` (barge-in) cancels the provider's response and ends the stream.
   */
  respond(input: AgentTurnInput, opts: AgentTurnOptions): AsyncIterable<AgentEvent>;
  /**
   * The user heard only `playedMs` of the last answer's audio (counted from its first sample): the provider's
   * record of the answer is cut there, where its protocol allows it.
   */
  truncate(playedMs: number): void;
  /** The connection dropped or was closed: it cannot answer again. */
  readonly closed: boolean;
  close(): void;
}

export interface AgentAdapter {
  readonly label: string;
  connect(setup: AgentSetup, opts?: { signal?: AbortSignal }): Promise<AgentConnection>;
}
