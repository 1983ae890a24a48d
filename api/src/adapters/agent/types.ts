/**
 * Speech-to-speech agents (OpenAI Realtime, Gemini Live): the provider hears the user's audio and answers with
 * audio and its transcript. The session keeps one connection open and hands it one turn at a time; the face,
 * moderation, memory and barge-in stay ours (realtime/agent-stage.ts, agent-link.ts, provider-turns.ts).
 */
import type { PcmAudio } from '../../domain/audio';
import type { ConversationTurn } from '../../domain/prompt';
import type { ModelToolCall, ToolSpec } from '../../domain/tools';
import type { LlmUsage } from '../llm/types';

/** Who decides when the user's turn ends: our VAD and end-of-turn detection, or the provider's server VAD. */
export type TurnDetection = 'ours' | 'provider';

/** What a connection is opened with; `instructions` are refreshed before every turn. */
export interface AgentSetup {
  instructions: string;
  /** The provider's voice name; its default when absent. */
  voice?: string;
  /** The provider's model; the adapter's configured one when absent. */
  model?: string;
  tools: readonly ToolSpec[];
  turnDetection: TurnDetection;
  /**
   * The conversation so far, oldest first, each answer as far as the user heard it: a connection opened
   * mid-session (another node took the session over, the agent is back after a failure, the persona switched)
   * goes on from it instead of starting blank.
   */
  history: readonly ConversationTurn[];
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
  /** A turn the provider's VAD detected in the streamed audio: nothing is sent, the answer it started is read. */
  providerTurn?: boolean;
}

export type AgentEvent =
  /** The provider's transcript of the user's audio. */
  | { type: 'input_transcript'; text: string }
  /** The answer's audio, in order. */
  | { type: 'audio'; samples: Int16Array; sampleRate: number }
  /** The answer's own transcript, as it streams. */
  | { type: 'transcript'; delta: string }
  | { type: 'usage'; usage: LlmUsage }
  /** The provider's VAD heard the user talk over the answer: the answer ends here. */
  | { type: 'speech_started' };

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
  /** Provider turn detection: the user's audio (16 kHz PCM16) as the microphone sends it. */
  appendAudio(pcm: Int16Array): void;
  /**
   * Provider turn detection, between answers: resolves when the provider hears the user start talking
   * (`speech`) or detects a turn it is answering (`turn`: `respond` with `providerTurn` reads that answer).
   */
  awaitUserTurn(signal: AbortSignal): Promise<'speech' | 'turn'>;
  /** The connection dropped or was closed: it cannot answer again. */
  readonly closed: boolean;
  close(): void;
}

export interface AgentAdapter {
  readonly label: string;
  connect(setup: AgentSetup, opts?: { signal?: AbortSignal }): Promise<AgentConnection>;
}
