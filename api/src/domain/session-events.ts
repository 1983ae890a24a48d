import type { PhonemeTiming } from './audio';

/**
 * Everything a session emits, in the order subscribers receive it. The same payloads are appended to the
 * SessionEvent log for replay, so they must stay plain JSON.
 */
export interface EventBase {
  sessionId: string;
  /** Monotonic per session; clients use it to order and de-duplicate. */
  seq: number;
  /** ISO timestamp when the server emitted the event. */
  at: string;
}

export interface TranscriptAlternative {
  text: string;
  confidence: number;
}

/** A recognised word, timed from the start of the utterance's audio. */
export interface TranscriptWord {
  word: string;
  startMs: number;
  endMs: number;
  /** The recognizer's probability for the word, 0–1. */
  confidence: number;
}

export interface VisemeCue {
  /** Viseme name in the session's rig (e.g. `viseme_aa`, `12`, or an ARKit blendshape). */
  viseme: string;
  startMs: number;
  endMs: number;
  /** Peak weight 0..1 after coarticulation. */
  weight: number;
}

export interface GesturePayload {
  responseId: string;
  gesture: string;
  /** Milliseconds from the start of the response's audio. */
  startMs: number;
  durationMs: number;
  intensity: number;
  /** The word the gesture is anchored to, when the plan named one. */
  wordIndex: number | null;
}

export interface BlendshapeFrame {
  /** Frame number from the start of the response (30 fps). */
  index: number;
  /** Audio sample range [sampleStart, sampleEnd) this frame animates, at the chunk's sample rate. */
  sampleStart: number;
  sampleEnd: number;
  /** 52 weights in ARKit order (see ARKIT_BLENDSHAPES), each in [0, 1]. */
  weights: number[];
}

export type SessionEventPayload =
  | { type: 'TranscriptPartial'; utteranceId: string; text: string }
  | {
      type: 'TranscriptFinal';
      utteranceId: string;
      text: string;
      confidence: number;
      alternatives: TranscriptAlternative[];
      /** Empty when the recognizer gives no word timings (or the text was typed). */
      words: TranscriptWord[];
    }
  | { type: 'ResponseStarted'; responseId: string; utteranceId: string | null }
  | { type: 'ResponseTextDelta'; responseId: string; delta: string }
  | {
      type: 'SpeechChunk';
      responseId: string;
      /** Chunk number within the response (the event's own `seq` orders the whole session). */
      chunkSeq: number;
      /** Base64 of little-endian PCM16 mono. */
      audio: string;
      sampleRate: number;
      encoding: 'pcm16';
      /** Offset of this chunk in the response's audio. */
      startMs: number;
      durationMs: number;
      text: string;
      phonemes: PhonemeTiming[];
      visemes: VisemeCue[];
      gestures: GesturePayload[];
      /**
       * The first chunk of a traced answer carries its turn's trace (W3C), so the node delivering it to a
       * subscriber adds that delivery to the turn's trace. Not part of the GraphQL type.
       */
      traceparent?: string;
    }
  | {
      type: 'BlendshapeFrames';
      responseId: string;
      chunkSeq: number;
      fps: number;
      sampleRate: number;
      frames: BlendshapeFrame[];
    }
  | ({ type: 'GestureEvent' } & GesturePayload)
  | {
      type: 'ResponseDone';
      responseId: string;
      text: string;
      emotion: string;
      actions: string[];
      moderated: boolean;
    }
  | { type: 'Interrupted'; responseId: string; heardText: string; playedMs: number }
  | { type: 'SessionError'; code: string; message: string; retryable: boolean }
  | {
      type: 'ToolCall';
      responseId: string;
      /** The model's id for the call; STARTED and its DONE or FAILED share it. */
      callId: string;
      name: string;
      status: 'STARTED' | 'DONE' | 'FAILED';
      /** The arguments as the model wrote them (JSON text). */
      arguments: string;
      /** DONE: the tool's answer (JSON text), as fed back to the model. */
      result: string | null;
      /** FAILED: why (UNKNOWN_TOOL, INVALID_ARGUMENTS, TIMEOUT, INVALID_RESPONSE, HTTP_ERROR, UNREACHABLE). */
      errorCode: string | null;
      errorMessage: string | null;
    }
  /** An action the answer asked the application to take (the answer contract's `actions`). */
  | { type: 'AvatarAction'; responseId: string; action: string }
  /**
   * The session answers in another mode from now on: `CASCADE` when its speech-to-speech agent failed (it is
   * tried again later), `AGENT` when the agent is back.
   */
  | { type: 'ConversationModeChanged'; mode: 'AGENT' | 'CASCADE'; provider: string | null; reason: string }
  /** `setPersona` took effect: the next answer is the new persona's (voice, rig, prompt, tools). */
  | { type: 'PersonaChanged'; personaId: string; name: string }
  | { type: 'SessionEnded'; reason: string };

export type SessionEventType = SessionEventPayload['type'];
export type SessionEvent = EventBase & SessionEventPayload;
