/**
 * The conversation of one live session. Inputs (typed text, finished utterances, the greeting) are answered
 * one at a time, in order; talking over the avatar interrupts the answer at once and drops queued inputs.
 *
 * One user turn, top to bottom (`runTurn`): transcribe (or echo typed text) → turn limits → prompt with recent
 * history and recalled memories → store the user turn → the answer's stages (answer-stages.ts: LLM → moderation
 * → speech) → `ResponseDone` → store the assistant turn, holding only what was heard if the user cut in.
 *
 * Events per turn: `TranscriptFinal` (typed text is echoed as one), `ResponseStarted`, then `ResponseTextDelta`s
 * and `SpeechChunk`s (with the renderer's `BlendshapeFrames`/`GestureEvent`s) interleaved, since speech starts
 * with the first complete sentence, and finally `ResponseDone`, or `Interrupted` when the user barged in. Text
 * deltas go out per sentence, after moderation, so no unmoderated text ever reaches a client.
 */
import { randomUUID } from 'node:crypto';
import type { AgentConnection, AgentImage, AgentTurnInput } from '../adapters/agent/types';
import type { ChatMessage, LLMAdapter, LlmRequest } from '../adapters/llm/types';
import type { STTAdapter, SttResult } from '../adapters/stt/types';
import type { TTSAdapter } from '../adapters/tts/types';
import { answerContract } from '../domain/answer-contract';
import type { PcmAudio } from '../domain/audio';
import { DEFAULT_GESTURE_MS, DEFAULT_INTENSITY } from '../domain/gesture-plan';
import { agentInstructions, buildPrompt, type PromptPersona } from '../domain/prompt';
import type { SessionEventPayload } from '../domain/session-events';
import { agreedPrefix } from '../domain/text';
import { EXPRESS_TOOL, type ModelToolCall, readExpressCall } from '../domain/tools';
import { type TraceAttributes, type TraceSpan, traced, traceparentOf, UNTRACED } from '../domain/tracing';
import { AppError, errorCode } from '../errors';
import type { AgentContext, AgentLink } from './agent-link';
import { runAgentStage } from './agent-stage';
import {
  Answer,
  type AnswerSource,
  type LlmOutcome,
  runLlmStage,
  runModerationStage,
  runSpeechStage,
  Stop,
  withStageQueues,
} from './answer-stages';
import type {
  Clock,
  ConversationHistory,
  EventSink,
  MemoryRecall,
  ModerationVerdict,
  Moderator,
  PipelineLog,
  PlayedReport,
  SessionActivity,
  SpeechAligner,
  ToolRunner,
  TurnLimits,
  TurnOrigin,
  TurnStore,
  TurnTracer,
} from './ports';
import { ProviderTurns } from './provider-turns';
import {
  createBasicSpeechRenderer,
  type SpeechEventPayload,
  type SpeechRenderer,
  type SpeechSentence,
} from './speech-renderer';
import { StageQueue } from './stage-queue';

export interface RuntimePersona extends PromptPersona {
  id: string;
  voice?: string;
  /** The model the persona asks its LLM provider for; the provider's default when absent. */
  llmModel?: string | null;
  /** Said by `greet()`. */
  greeting?: string;
  /** Said instead when no provider could answer; nothing is said when absent. */
  failureLine?: string;
  /** Said instead of a sentence moderation could not check in time. */
  safeFallback?: string;
}

/** What answers carry, from the persona's switches and what the client can render. */
export interface AnswerFeatures {
  /** Spoken answers; off means text only (persona `speech` off, or a client without `audio`). */
  speech: boolean;
  /** `ResponseTextDelta`s; off for a client without `text`. */
  text: boolean;
  /** Long-term memories recalled into the prompt. */
  memory: boolean;
  /** `GestureEvent`s (persona `gestures` on and a client that renders them). */
  gestures: boolean;
}

export interface SessionRuntimeConfig {
  sessionId: string;
  userId: string;
  persona: RuntimePersona;
  features?: Partial<AnswerFeatures>;
  /** Caps on the critical path; without them recall and moderation may take as long as they take. */
  timeouts?: { memoryRecallMs?: number; moderationMs?: number };
  language?: string;
  promptTokenBudget?: number;
  maxResponseTokens?: number;
  /** The session's fields in every log line: its id, and the user's id or (anonymized logs) its hash. */
  logFields?: Readonly<Record<string, string>>;
  /** The session's own trace, which each turn's trace links to. */
  traceId?: string;
}

export interface SessionRuntimeDeps {
  stt: STTAdapter;
  llm: LLMAdapter;
  tts: TTSAdapter;
  /** Default: `createBasicSpeechRenderer` (audio and phonemes, no visemes, blendshapes or gestures). */
  createSpeechRenderer?: (responseId: string) => SpeechRenderer;
  moderator: Moderator;
  memory: MemoryRecall;
  history: ConversationHistory;
  turns: TurnStore;
  limits?: TurnLimits;
  activity?: Pick<SessionActivity, 'userTurn'>;
  events: EventSink;
  clock?: Clock;
  /** One trace per turn; nothing is traced without it. */
  tracer?: TurnTracer;
  /** Aligns stored answers whose speech came without phoneme timings. */
  aligner?: SpeechAligner;
  /** Agent mode: a speech-to-speech agent answers, the cascade (stt, llm, tts) takes over when it fails. */
  agent?: AgentLink;
  /** The persona's tools, for the model to call. */
  tools?: ToolRunner;
  /** Turn failures (once each, with their code) and things that do not fail the turn (a model breaking the answer contract...). */
  log?: PipelineLog;
}

/** `receivedAt`: clock time the input was handed over (its turn's trace starts there, or earlier for speech). */
type Input = { origin: TurnOrigin; receivedAt: number } & (
  | { kind: 'text'; text: string; utteranceId: string }
  | { kind: 'audio'; audio: PcmAudio; utteranceId: string }
  | { kind: 'greeting'; text: string }
  /** A turn the agent's own VAD detected in the streamed audio (provider turn detection). */
  | { kind: 'detected'; utteranceId: string }
);

/** An answer's state beyond its stages: whether it was announced, closed, cut off and stored. */
interface AnswerState {
  answer: Answer;
  started: boolean;
  /** `ResponseDone` or `Interrupted` went out: no more events of this answer are emitted. */
  closed: boolean;
  /** Its stages are still running. */
  producing: boolean;
  interruption: { heardText: string; playedMs: number } | null;
  /** Some of its speech came without phoneme timings: its stored turn is aligned afterwards. */
  untimedSpeech: boolean;
  /** Cut off by the user's speech, waiting for the client to say where its playback stopped. */
  awaitingPlayed: { timer: NodeJS.Timeout; estimateMs: number } | null;
  savedTurnId: string | null;
  /** The agent whose audio this answer plays, and where that audio starts on the answer's timeline. */
  agentAudio: { connection: AgentConnection; startMs: number } | null;
}

/** Images waiting for the next turn; more than this and the oldest is dropped. */
const MAX_PENDING_IMAGES = 4;

/**
 * How long a barge-in waits for the client's own played position before using the server's estimate. The client
 * stops at the same `speech.started` and answers at once; this only bounds a client that never does.
 */
const PLAYED_REPORT_WAIT_MS = 500;

interface Produced {
  outcome: LlmOutcome;
  replaced: boolean;
  flagIds: string[];
  failure: unknown;
  /** No answer could be produced: the failure line was said instead. */
  failed?: boolean;
}

const ALL_FEATURES: AnswerFeatures = { speech: true, text: true, memory: true, gestures: true };

export class SessionRuntime {
  private readonly clock: Clock;
  /** The persona's (and its providers'): replaced together by `switchTo` between turns. */
  private features: AnswerFeatures;
  private createRenderer: (responseId: string) => SpeechRenderer;
  /** Bumped by each interruption: queued inputs from an older generation are dropped. */
  private generation = 0;
  private tail: Promise<void> = Promise.resolve();
  private current: AnswerState | null = null;
  private closed = false;
  /** When each transcript taken ahead (at a pause) was made, for the turn's trace. */
  private readonly takenAt = new WeakMap<SttResult, { startedAt: number; endedAt: number }>();
  /** The model getting ready for the next answer, while the user speaks. */
  private preparing: Promise<void> | null = null;
  /** The utterance being heard: its last partial hypothesis and what of it was shown. */
  private partial: { utteranceId: string; heard: string; shown: string } | null = null;
  /** A client of this session reports where its playback stopped when the user talks over the avatar. */
  private playbackReports = false;
  private readonly pendingImages: AgentImage[] = [];
  private providerTurns: ProviderTurns | null;

  constructor(
    private config: SessionRuntimeConfig,
    private deps: SessionRuntimeDeps,
  ) {
    this.clock = deps.clock ?? { now: () => performance.now() };
    this.features = { ...ALL_FEATURES, ...config.features };
    this.createRenderer = deps.createSpeechRenderer ?? createBasicSpeechRenderer;
    this.providerTurns = this.providerTurnsFor(deps.agent);
  }

  /**
   * A typed message (the `sendText` mutation). It takes the same path as speech, so subscribers see it as a
   * `TranscriptFinal`; talking over the avatar interrupts it.
   */
  userText(text: string, origin: TurnOrigin = {}): string {
    const utteranceId = randomUUID();
    this.enqueue({ kind: 'text', text, utteranceId, origin, receivedAt: this.clock.now() });
    return utteranceId;
  }

  /** A finished utterance (after end-of-turn detection): transcribed, then answered. */
  userUtterance(audio: PcmAudio, utteranceId: string = randomUUID(), origin: TurnOrigin = {}): void {
    // The agent's own VAD heard it too, and answers it; ours only counts while the agent is down.
    if (this.providerTurns?.active) return;
    this.enqueue({ kind: 'audio', audio, utteranceId, origin, receivedAt: this.clock.now() });
  }

  /**
   * An image for the model to see with the user's next turn (text or speech): image input for an agent, image
   * parts for a chat model.
   */
  addImage(image: AgentImage): void {
    this.pendingImages.push(image);
    if (this.pendingImages.length > MAX_PENDING_IMAGES) this.pendingImages.shift();
  }

  private takeImages(): AgentImage[] {
    return this.pendingImages.splice(0);
  }

  /**
   * Another persona (its voice, rig, prompt, tools, providers and mode) from the next turn boundary on: after
   * the answer being given and the inputs already queued, in order; `announce` goes out when it takes effect.
   */
  switchTo(
    next: { config: SessionRuntimeConfig; deps: SessionRuntimeDeps },
    announce: SessionEventPayload,
  ): void {
    if (this.closed) return;
    this.tail = this.tail.then(() => {
      if (this.closed) return;
      if (this.deps.agent !== next.deps.agent) {
        this.providerTurns?.stop();
        this.deps.agent?.close();
        this.providerTurns = this.providerTurnsFor(next.deps.agent);
      }
      this.config = next.config;
      this.deps = { ...next.deps, clock: this.deps.clock };
      this.features = { ...ALL_FEATURES, ...next.config.features };
      this.createRenderer = next.deps.createSpeechRenderer ?? createBasicSpeechRenderer;
      this.emit(announce);
    });
  }

  /**
   * The microphone's audio as it comes (16 kHz, after resampling): with provider turn detection it streams to the
   * agent, whose VAD decides the turns.
   */
  hear(samples: Float32Array, utteranceId: string): void {
    if (!this.closed) this.providerTurns?.hear(samples, utteranceId);
  }

  /** Provider turn detection for the persona's agent, if it has it. */
  private providerTurnsFor(agent: AgentLink | undefined): ProviderTurns | null {
    if (agent?.turnDetection !== 'provider') return null;
    return new ProviderTurns(agent, {
      context: async () => this.agentContext(await this.agentInstructions(undefined)),
      userSpeechStarted: () => this.userSpeechStarted(),
      answerTurn: async (utteranceId) => {
        this.enqueue({ kind: 'detected', utteranceId, origin: {}, receivedAt: this.clock.now() });
        await this.whenIdle();
      },
      modeChanged: (mode, provider, reason) => this.modeChanged(mode, provider, reason),
    });
  }

  private modeChanged(mode: 'AGENT' | 'CASCADE', provider: string | null, reason: string): void {
    this.emit({ type: 'ConversationModeChanged', mode, provider, reason });
  }

  /** The persona's greeting, said like an answer to nothing (no user turn). */
  greet(): void {
    const text = this.config.persona.greeting?.trim();
    if (text) this.enqueue({ kind: 'greeting', text, origin: {}, receivedAt: this.clock.now() });
  }

  /**
   * What an utterance says so far, without answering it or telling anyone: the microphone path asks at a pause,
   * to end the turn early when it reads as finished. Null when no provider could say, or when the recognizer is
   * a paid service (it would bill the utterance twice if the user went on).
   */
  async previewTranscript(audio: PcmAudio, signal: AbortSignal): Promise<SttResult | null> {
    if (!this.deps.stt.local || this.providerTurns?.active) return null;
    const startedAt = this.clock.now();
    try {
      let final: SttResult | null = null;
      for await (const result of this.deps.stt.transcribe(audio, {
        signal,
        language: this.config.language,
      })) {
        if (result.isFinal) final = result;
      }
      if (final) this.takenAt.set(final, { startedAt, endedAt: this.clock.now() });
      return final;
    } catch {
      return null;
    }
  }

  /**
   * A partial transcript of the utterance still going on: the words this hypothesis and the previous one agree
   * on, sent when they grow. Words once shown stay as shown, so each partial extends the one before. Dropped once
   * the utterance ended (its final transcript replaces it).
   */
  async partialTranscript(audio: PcmAudio, utteranceId: string, signal: AbortSignal): Promise<void> {
    const result = await this.deps.stt
      .partial?.(audio, { signal, language: this.config.language })
      .catch(() => null);
    if (!result || signal.aborted) return;
    const previous =
      this.partial?.utteranceId === utteranceId ? this.partial : { utteranceId, heard: '', shown: '' };
    const agreed = words(agreedPrefix(previous.heard, result.text));
    const shown = words(previous.shown);
    this.partial = { utteranceId, heard: result.text, shown: previous.shown };
    if (agreed.length <= shown.length) return;
    this.partial.shown = [...shown, ...agreed.slice(shown.length)].join(' ');
    this.emit({ type: 'TranscriptPartial', utteranceId, text: this.partial.shown });
  }

  /**
   * Voice activity started: a barge-in if the avatar is answering or still being heard. Either way an answer
   * will likely follow: the model gets ready for it while the user speaks.
   */
  userSpeechStarted(): void {
    if (this.speaking) this.interrupt();
    this.prepareAnswer();
  }

  /** The prompt as far as it is known before the user's words (no memories yet: they depend on the words). */
  private prepareAnswer(): void {
    const prepare = this.deps.llm.prepare;
    // While an agent answers, the chat model only stands by: warming it for every utterance would waste the CPU.
    if (!prepare || this.preparing || this.deps.agent?.current) return;
    const { sessionId, persona } = this.config;
    this.preparing = this.deps.history
      .recent(sessionId)
      .then((history) => {
        const { messages } = buildPrompt({
          persona,
          memories: [],
          history,
          userText: '',
          tokenBudget: this.config.promptTokenBudget,
        });
        return prepare.call(this.deps.llm, {
          messages: messages.slice(0, -1),
          contract: answerContract(persona),
        });
      })
      .catch(() => undefined)
      .finally(() => {
        this.preparing = null;
      });
  }

  /** Whether the client now streaming the microphone counts its own playback (`audio.start` says so). */
  expectPlaybackReports(on: boolean): void {
    this.playbackReports = on;
  }

  /**
   * Stops the current answer at once: LLM and TTS streams are aborted, `Interrupted` is emitted with what
   * the user heard, and queued inputs are dropped. `played` is the client's own count when it has one; a client
   * that reports playback is waited for (briefly) before the server's estimate is used.
   */
  interrupt(played: Partial<PlayedReport> = {}): void {
    const state = this.current;
    // A count for another answer (one that already ended) says nothing about this one.
    const playedMs =
      !played.responseId || played.responseId === state?.answer.id ? played.playedMs : undefined;
    if (state?.awaitingPlayed) {
      if (playedMs !== undefined) this.finishInterruption(state, playedMs);
      return;
    }
    this.generation++;
    if (!state || state.interruption) return;
    const { answer } = state;
    if (!state.started) {
      // Still transcribing or thinking: nothing was said, so there is nothing to report or truncate.
      answer.stop('interrupted');
      return;
    }
    const estimateMs = answer.playback.playedMs(this.clock.now());
    state.closed = true;
    answer.stop('interrupted');
    if (playedMs === undefined && this.playbackReports) {
      const timer = setTimeout(() => this.finishInterruption(state, estimateMs), PLAYED_REPORT_WAIT_MS);
      state.awaitingPlayed = { timer, estimateMs };
      return;
    }
    this.finishInterruption(state, playedMs ?? estimateMs);
  }

  /** `Interrupted` with what was heard up to `playedMs`; the stored answer keeps only that. */
  private finishInterruption(state: AnswerState, playedMs: number): void {
    if (state.awaitingPlayed) clearTimeout(state.awaitingPlayed.timer);
    state.awaitingPlayed = null;
    const playback = state.answer.playback;
    const played = playback.clampPlayed(playedMs);
    const heardText = playback.heardAt(played);
    state.interruption = { heardText, playedMs: played };
    this.emit({ type: 'Interrupted', responseId: state.answer.id, heardText, playedMs: played });
    // The agent's own memory of its answer is cut where the user stopped hearing it.
    const agent = state.agentAudio;
    if (agent) agent.connection.truncate(Math.max(0, played - agent.startMs));
    // An answer already stored is rewritten; one still in production is stored truncated when it ends.
    if (!state.producing) void this.persistTruncation(state);
  }

  /** An answer was cut off by the user's speech and the client's count of what it played is awaited. */
  get awaitingPlayedReport(): boolean {
    return this.current?.awaitingPlayed != null;
  }

  /** True while an answer is being produced or its audio is still playing on the client. */
  get speaking(): boolean {
    const state = this.current;
    if (!state || state.interruption || state.awaitingPlayed) return false;
    return state.producing || state.answer.playback.isPlaying(this.clock.now());
  }

  /** Resolves once every queued input has been handled. */
  async whenIdle(): Promise<void> {
    let tail: Promise<void>;
    do {
      tail = this.tail;
      await tail;
    } while (tail !== this.tail);
  }

  /** Stops everything; the owner emits `SessionEnded`. */
  async close(): Promise<void> {
    this.closed = true;
    this.generation++;
    const state = this.current;
    if (state?.awaitingPlayed) this.finishInterruption(state, state.awaitingPlayed.estimateMs);
    state?.answer.stop('session closed');
    this.providerTurns?.stop();
    await this.whenIdle();
    this.deps.agent?.close();
  }

  private enqueue(input: Input): void {
    if (this.closed) return;
    // The next turn reads the history: a cut still waiting for the client's count is settled with the estimate.
    const pending = this.current;
    if (pending?.awaitingPlayed) this.finishInterruption(pending, pending.awaitingPlayed.estimateMs);
    if (this.speaking) this.interrupt();
    const generation = this.generation;
    // runTurn never rejects: the chain of turns cannot break.
    this.tail = this.tail.then(() => this.runTurn(input, generation));
  }

  /** One turn, top to bottom. Never throws: every failure becomes a `SessionError` event. */
  private async runTurn(input: Input, generation: number): Promise<void> {
    if (generation !== this.generation || this.closed) return;
    const answer = new Answer(input.kind === 'greeting' ? null : input.utteranceId, this.clock.now(), {
      startTrace: (answerId) => this.startTrace(input, answerId),
      sessionLog: this.config.logFields,
    });
    const state: AnswerState = {
      answer,
      started: false,
      closed: false,
      producing: true,
      interruption: null,
      untimedSpeech: false,
      awaitingPlayed: null,
      savedTurnId: null,
      agentAudio: null,
    };
    this.current = state;
    try {
      if (input.kind === 'greeting') {
        await this.respond(state, { kind: 'scripted', text: input.text }, Promise.resolve(true));
        return;
      }
      if (this.deps.agent && (await this.answerWithAgent(state, input, this.deps.agent))) return;
      // A turn only the agent heard: with the agent gone, our VAD's own turn is the cascade's to answer.
      if (input.kind === 'detected') return;
      const userText =
        input.kind === 'text'
          ? this.echoTyped(input.text, input.utteranceId)
          : await traced(answer.trace, 'stt', (span) =>
              this.transcribe(input.audio, answer, input.utteranceId, span, input.origin.transcript),
            );
      answer.timings.sttMs = this.since(answer);
      if (!userText || answer.stopped) return;
      await this.deps.limits?.consumeTurn(this.config.sessionId);
      this.deps.activity?.userTurn(this.config.sessionId);
      const messages = await this.prompt(userText, answer);
      answer.timings.promptMs = this.since(answer);
      // Storing the user turn is off the critical path to the first audio; a failure is reported, not thrown.
      const userStored = this.storeUserTurn(userText, answer);
      if (answer.stopped) return void (await userStored);
      await this.respond(
        state,
        { kind: 'llm', llm: this.deps.llm, request: this.llmRequest(messages, answer) },
        userStored,
      );
    } catch (err) {
      this.reportError(err, answer);
      // A failure after ResponseStarted still closes the answer with what was actually said.
      this.closeAnswer(state, { emotion: this.config.persona.defaultEmotion, actions: [], moderated: false });
    } finally {
      state.producing = false;
      answer.trace.set({
        'turn.interrupted': state.interruption !== null,
        ...timingAttributes(answer.timings),
      });
      answer.trace.end();
    }
  }

  /**
   * The turn's span, from when its input was handed over; a spoken turn's starts earlier, where the user went
   * quiet, with the end-of-turn detection (the silence wait) as its first stage.
   */
  private startTrace(input: Input, answerId: string): TraceSpan {
    const { tracer } = this.deps;
    if (!tracer) return UNTRACED;
    const silenceMs = input.origin.endOfTurn?.silenceMs ?? 0;
    const root = tracer.startTurn({
      traceparent: input.origin.traceparent,
      startTime: input.receivedAt - silenceMs,
      sessionTraceId: this.config.traceId,
      attributes: {
        'session.id': this.config.sessionId,
        'persona.id': this.config.persona.id,
        'response.id': answerId,
        'utterance.id': input.kind === 'greeting' ? undefined : input.utteranceId,
        'turn.input': input.kind,
      },
    });
    const endOfTurn = input.origin.endOfTurn;
    if (endOfTurn) {
      root
        .child('end_of_turn', { 'end_of_turn.reason': endOfTurn.reason }, input.receivedAt - silenceMs)
        .end(input.receivedAt);
    }
    return root;
  }

  /**
   * Announces the answer, runs its stages, closes it and stores what was said (after the user's turn). When no
   * provider could answer, the persona says its failure line instead, and the turn is stored as failed.
   */
  private async respond(
    state: AnswerState,
    source: AnswerSource,
    /** Resolves true once the user's turn is stored (a getter when the agent's transcript brings it later). */
    userStored: Promise<boolean> | (() => Promise<boolean>),
  ): Promise<void> {
    const { answer } = state;
    state.started = true;
    this.emit({ type: 'ResponseStarted', responseId: answer.id, utteranceId: answer.utteranceId });
    // One renderer for the whole answer: its chunk numbers and timeline run on across a failure line.
    const renderer = this.features.speech ? this.createRenderer(answer.id) : undefined;
    let rendererEnded = false;
    const endRenderer = async () => {
      if (rendererEnded || !renderer?.end) return [];
      rendererEnded = true;
      return renderer.end();
    };
    let produced: Produced;
    try {
      produced = await this.produce(state, source, renderer);
      if (produced.failure && source.kind === 'agent' && !answer.stopped) {
        produced = await this.failOverToCascade(state, source, produced, renderer);
      }
      if (produced.failure) {
        this.reportError(produced.failure, answer);
        produced.failed = await this.sayFailureLine(state, renderer);
      }
      this.sendSpeech(state, await endRenderer());
    } finally {
      state.producing = false;
      // An interrupted answer still hands its renderer's resources back; what it would send is dropped.
      await endRenderer().catch(() => undefined);
    }
    for (const warning of produced.outcome.warnings) this.warn(answer, warning);
    if (produced.outcome.plainText && source.kind === 'llm') {
      this.warn(answer, 'the model did not answer in the JSON contract; its output was said as plain text');
    }
    const questionStored = await (typeof userStored === 'function' ? userStored() : userStored);
    answer.timings.totalMs = this.since(answer);
    const heard = state.interruption?.heardText ?? answer.playback.spokenText;
    this.closeAnswer(state, {
      emotion: produced.outcome.emotion,
      actions: produced.outcome.actions,
      moderated: produced.replaced,
    });
    if (produced.outcome.usage) {
      const { promptTokens, completionTokens } = produced.outcome.usage;
      await this.deps.limits?.recordTokens(this.config.sessionId, promptTokens + completionTokens);
    }
    // Without its question the answer is not worth remembering (the user turn could not be stored).
    if (questionStored) await this.storeAssistantTurn(state, heard, produced);
  }

  /**
   * The persona's failure line after a failed answer (unless the user cut in): spoken when the answer's speech
   * still works (the model failed), shown as text when speech itself failed. True when it was said.
   */
  private async sayFailureLine(state: AnswerState, renderer: SpeechRenderer | undefined): Promise<boolean> {
    const line = this.config.persona.failureLine?.trim();
    if (!line || state.interruption) return false;
    if (!state.answer.stopped) {
      await this.produce(state, { kind: 'scripted', text: line }, renderer);
      return true;
    }
    state.answer.playback.addText(line);
    if (this.features.text)
      this.emit({ type: 'ResponseTextDelta', responseId: state.answer.id, delta: line });
    return true;
  }

  /** The three stages of the answer, connected by their queues; resolves when all have finished. */
  private async produce(
    state: AnswerState,
    source: AnswerSource,
    renderer: SpeechRenderer | undefined,
  ): Promise<Produced> {
    if (source.kind === 'agent') return this.produceWithAgent(state, source, renderer);
    const { answer } = state;
    let replaced = false;
    let modelOutcome: LlmOutcome | null = null;
    let gesturesTaken = false;
    return withStageQueues(answer, async ({ sentences, cleared, generation, stopGeneration }) => {
      const [llm, moderation] = await Promise.all([
        runLlmStage({
          source,
          answer,
          stopGeneration: generation,
          defaultEmotion: this.config.persona.defaultEmotion,
          sentences,
          onToken: () => {
            answer.timings.llmFirstTokenMs ??= this.since(answer);
          },
        }).then((result) => {
          modelOutcome = result.outcome;
          return result;
        }),
        runModerationStage({
          answer,
          sentences,
          cleared,
          moderate: this.moderation(answer, source.kind === 'scripted'),
          onCleared: this.textDeltas(state),
          stopGeneration: () => {
            replaced = true;
            stopGeneration();
          },
        }),
        runSpeechStage({
          answer,
          cleared,
          speech: renderer ? { tts: this.deps.tts, voice: this.config.persona.voice, renderer } : undefined,
          takeGesturePlan: () => {
            const outcome: LlmOutcome | null = modelOutcome;
            if (!outcome || gesturesTaken || replaced || source.kind === 'scripted') return null;
            gesturesTaken = true;
            return { plan: outcome.gesturePlan, emotion: outcome.emotion };
          },
          send: (events) => this.sendSpeech(state, events),
        }),
      ]);
      return {
        outcome: llm.outcome,
        replaced: moderation.replaced,
        flagIds: moderation.flagIds,
        failure: answer.failure ?? llm.failure,
      };
    });
  }

  /**
   * An answer from the speech-to-speech agent: its audio goes out through the renderer as it comes, its
   * transcript through moderation as text; a flagged sentence cuts the agent, and the persona's fallback is
   * spoken by our TTS instead.
   */
  private async produceWithAgent(
    state: AnswerState,
    source: Extract<AnswerSource, { kind: 'agent' }>,
    renderer: SpeechRenderer | undefined,
  ): Promise<Produced> {
    const { answer } = state;
    const fallback = new StageQueue<SpeechSentence>(answer.signal);
    const segment = answer.playback.beginSentence('');
    state.agentAudio = { connection: source.connection, startMs: segment.startMs };
    let emotion = this.config.persona.defaultEmotion;
    return withStageQueues(answer, async ({ sentences, cleared, generation, stopGeneration }) => {
      const [agent, moderation] = await Promise.all([
        runAgentStage({
          answer,
          connection: source.connection,
          input: source.input,
          stopGeneration: generation,
          sentences,
          segment,
          renderer,
          send: (events) => this.sendSpeech(state, events),
          onInputTranscript: source.onInputTranscript,
          onUserSpeech: () => this.userSpeechStarted(),
          runTool: async (call) => {
            if (call.name !== EXPRESS_TOOL) return this.runTool(call, answer);
            const expressed = this.express(call, state, segment.endMs);
            emotion = expressed.emotion ?? emotion;
            return expressed.reply;
          },
          onToken: () => {
            answer.timings.llmFirstTokenMs ??= this.since(answer);
          },
        }),
        runModerationStage({
          answer,
          sentences,
          cleared,
          moderate: this.moderation(answer, false),
          onCleared: this.textDeltas(state),
          stopGeneration,
        }),
        (async () => {
          // What the agent said becomes its audio's text; a replaced sentence is spoken by our TTS instead.
          for await (const sentence of cleared) {
            if (sentence.replaced) fallback.push(sentence);
            else segment.text = segment.text ? `${segment.text} ${sentence.text}` : sentence.text;
          }
          fallback.close();
        })(),
        runSpeechStage({
          answer,
          cleared: fallback,
          speech: renderer ? { tts: this.deps.tts, voice: this.config.persona.voice, renderer } : undefined,
          takeGesturePlan: () => null,
          send: (events) => this.sendSpeech(state, events),
        }),
      ]);
      // The agent remembers its answer only up to where moderation cut it.
      if (moderation.replaced) source.connection.truncate(segment.endMs - segment.startMs);
      return {
        outcome: {
          emotion,
          actions: [],
          gesturePlan: [],
          usage: agent.usage,
          plainText: false,
          warnings: [],
        },
        replaced: moderation.replaced,
        flagIds: moderation.flagIds,
        failure: answer.failure ?? agent.failure,
      };
    });
  }

  /**
   * The agent failed before or while answering: the session goes on in cascade mode (and says so), and the
   * cascade answers the same turn, after whatever of the agent's answer was already said.
   */
  private async failOverToCascade(
    state: AnswerState,
    source: Extract<AnswerSource, { kind: 'agent' }>,
    produced: Produced,
    renderer: SpeechRenderer | undefined,
  ): Promise<Produced> {
    const { answer } = state;
    const reason = produced.failure instanceof Error ? produced.failure.message : String(produced.failure);
    this.deps.agent?.failed(produced.failure);
    this.deps.log?.warn({ ...answer.logFields(), reason }, 'the agent failed; the cascade answers');
    this.modeChanged('CASCADE', null, reason);
    const cascade = await source.failover().catch((err: unknown) => {
      this.reportError(err, answer);
      return null;
    });
    if (!cascade || answer.stopped) return { ...produced, failure: null };
    const more = await this.produce(state, cascade, renderer);
    return {
      ...more,
      replaced: produced.replaced || more.replaced,
      flagIds: [...produced.flagIds, ...more.flagIds],
    };
  }

  /**
   * The agent's `express` call: the answer's emotion, and its gestures from where the agent's audio is now
   * (`atMs` on the answer's timeline). Names outside the persona's contract are dropped and said so to the agent.
   */
  private express(
    call: ModelToolCall,
    state: AnswerState,
    atMs: number,
  ): { emotion?: string; reply: string } {
    const { emotion, gestures, reply } = readExpressCall(call.arguments, answerContract(this.config.persona));
    if (this.features.gestures) {
      this.sendSpeech(
        state,
        gestures.map((gesture) => ({
          type: 'GestureEvent',
          responseId: state.answer.id,
          gesture,
          startMs: atMs,
          durationMs: DEFAULT_GESTURE_MS,
          intensity: DEFAULT_INTENSITY,
          wordIndex: null,
        })),
      );
    }
    return { emotion, reply };
  }

  /** Runs a tool the model called, telling clients it started and how it ended; the model gets the outcome. */
  private async runTool(call: ModelToolCall, answer: Answer): Promise<string> {
    const base = {
      type: 'ToolCall' as const,
      responseId: answer.id,
      callId: call.callId,
      name: call.name,
      arguments: call.arguments,
    };
    this.emit({ ...base, status: 'STARTED', result: null, errorCode: null, errorMessage: null });
    const { tools } = this.deps;
    const outcome = tools
      ? await traced(answer.trace, 'tool', async (span) => {
          span.set({ 'tool.name': call.name });
          return tools.run({ ...call, signal: answer.signal });
        })
      : { ok: false as const, code: 'UNKNOWN_TOOL', message: `no tool named "${call.name}"` };
    if (outcome.ok) {
      this.emit({ ...base, status: 'DONE', result: outcome.output, errorCode: null, errorMessage: null });
      return outcome.output;
    }
    this.warn(answer, `tool ${call.name} failed: ${outcome.code} ${outcome.message}`);
    this.emit({
      ...base,
      status: 'FAILED',
      result: null,
      errorCode: outcome.code,
      errorMessage: outcome.message,
    });
    return JSON.stringify({ error: { code: outcome.code, message: outcome.message } });
  }

  /** Text deltas of an answer's cleared sentences; they concatenate to its full text. */
  private textDeltas(state: AnswerState): (text: string) => void {
    let started = false;
    return (text) => {
      if (!this.features.text || state.closed) return;
      this.emit({
        type: 'ResponseTextDelta',
        responseId: state.answer.id,
        delta: started ? ` ${text}` : text,
      });
      started = true;
    };
  }

  /** The pre-send check of each sentence, within the moderation cap (fixed lines are not checked). */
  private moderation(answer: Answer, scripted: boolean): (text: string) => Promise<ModerationVerdict> {
    if (scripted) return async (text) => ({ allowed: true, text });
    return (text) =>
      traced(answer.trace, 'moderation', async (span) => {
        const verdict = await withinTime(
          this.deps.moderator.moderate({
            sessionId: this.config.sessionId,
            personaId: this.config.persona.id,
            text,
          }),
          this.config.timeouts?.moderationMs,
          () => {
            span.set({ 'moderation.timed_out': true });
            this.warn(answer, 'moderation took too long; the sentence was replaced by the safe fallback');
          },
        );
        span.set({
          'moderation.allowed': verdict?.allowed,
          'moderation.flagged': Boolean(verdict?.flagId),
        });
        // Unchecked text is never said: past the cap, the persona's safe fallback is.
        return verdict ?? { allowed: false, text: this.config.persona.safeFallback ?? '…' };
      });
  }

  private echoTyped(text: string, utteranceId: string): string {
    const trimmed = text.trim();
    this.emit({
      type: 'TranscriptFinal',
      utteranceId,
      text: trimmed,
      confidence: 1,
      alternatives: [],
      words: [],
    });
    return trimmed;
  }

  /** `taken`: the transcript taken at a pause, with only silence after it: used as it is, unless it came to nothing. */
  private async transcribe(
    audio: PcmAudio,
    answer: Answer,
    utteranceId: string,
    span: TraceSpan,
    taken?: Promise<SttResult | null>,
  ): Promise<string> {
    let final = '';
    const ahead = (await taken) ?? undefined;
    span.set({
      'audio.duration_ms': Math.round((audio.samples.length * 1000) / audio.sampleRate),
      'stt.ahead': ahead !== undefined,
    });
    // The transcription done at the pause, before the turn (and its trace) existed, drawn where it ran.
    const when = ahead && this.takenAt.get(ahead);
    if (when) span.child('stt_ahead', {}, when.startedAt).end(when.endedAt);
    const results = ahead
      ? [ahead]
      : this.deps.stt.transcribe(audio, {
          signal: answer.signal,
          language: this.config.language,
          context: answer.callContext(span),
        });
    for await (const result of results) {
      if (!result.isFinal) {
        this.emit({ type: 'TranscriptPartial', utteranceId, text: result.text });
        continue;
      }
      final = result.text.trim();
      this.emit({
        type: 'TranscriptFinal',
        utteranceId,
        text: final,
        confidence: result.confidence,
        alternatives: result.alternatives,
        words: result.words ?? [],
      });
    }
    return final;
  }

  /** The chat prompt: persona and contract, recalled memories, the recent conversation, the user's words. */
  /** `images`: what the user sent since the last turn, attached to their words. */
  private async prompt(
    userText: string,
    answer: Answer,
    images: readonly AgentImage[] = this.takeImages(),
  ): Promise<ChatMessage[]> {
    const { sessionId, persona } = this.config;
    const [recent, memories] = await Promise.all([
      this.deps.history.recent(sessionId),
      this.recall(userText, answer),
    ]);
    const span = answer.trace.child('prompt_build');
    const prompt = buildPrompt({
      persona,
      memories,
      history: recent,
      userText,
      tokenBudget: this.config.promptTokenBudget,
    });
    span.set({ 'prompt.messages': prompt.messages.length, 'prompt.memories': memories.length });
    span.end();
    const messages: ChatMessage[] = prompt.messages;
    const last = messages.at(-1);
    if (last && images.length > 0) messages[messages.length - 1] = { ...last, images };
    return messages;
  }

  /** Memories that match `query`; they improve an answer but are not worth failing, or holding up, the turn for. */
  private async recall(query: string, answer?: Answer): Promise<string[]> {
    const { userId, persona } = this.config;
    if (!this.features.memory || !query) return [];
    return traced(answer?.trace ?? UNTRACED, 'memory_recall', (span) =>
      withinTime(
        this.deps.memory.recallTexts({ userId, personaId: persona.id, query }),
        this.config.timeouts?.memoryRecallMs,
        () => {
          span.set({ 'memory.timed_out': true });
          this.warn(answer, 'memory recall took too long; answering without memories');
        },
      ).then((found) => {
        span.set({ 'memory.recalled': found?.length ?? 0 });
        return found ?? [];
      }),
    ).catch(() => []);
  }

  /**
   * A turn answered by the speech-to-speech agent. Its instructions (persona and the memories for this turn)
   * are refreshed first; the memories are looked up with the words when they are known (typed, or transcribed
   * at the pause), else with the user's last turn. False when the agent is down: the cascade answers instead.
   */
  private async answerWithAgent(
    state: AnswerState,
    input: Extract<Input, { kind: 'text' | 'audio' | 'detected' }>,
    agent: AgentLink,
  ): Promise<boolean> {
    const { answer } = state;
    const typed = input.kind === 'text' ? input.text.trim() : null;
    const spoken = input.kind === 'audio' ? (await input.origin.transcript)?.text : undefined;
    const instructions = await this.agentInstructions(typed ?? spoken, answer);
    const available = await agent.acquire(this.agentContext(instructions), answer.signal);
    if (!available.connection) {
      if (available.justFailed) this.modeChanged('CASCADE', null, available.reason);
      return false;
    }
    if (available.restored) this.modeChanged('AGENT', agent.label, 'the agent is back');
    if (answer.stopped) return true;
    if (typed !== null) this.echoTyped(typed, input.utteranceId);
    await this.deps.limits?.consumeTurn(this.config.sessionId);
    this.deps.activity?.userTurn(this.config.sessionId);
    let userText = typed ?? '';
    let userStored: Promise<boolean> | null = typed ? this.storeUserTurn(typed, answer) : null;
    const images = this.takeImages();
    const turn: AgentTurnInput = {
      instructions,
      ...(input.kind === 'audio'
        ? { audio: input.audio }
        : input.kind === 'detected'
          ? { providerTurn: true }
          : { text: typed ?? '' }),
      ...(images.length > 0 ? { images } : {}),
    };
    const utteranceId = input.utteranceId;
    await this.respond(
      state,
      {
        kind: 'agent',
        connection: available.connection,
        input: turn,
        onInputTranscript: (text) => {
          if (userStored || !text.trim()) return;
          userText = text.trim();
          this.emit({
            type: 'TranscriptFinal',
            utteranceId,
            text: userText,
            confidence: 1,
            alternatives: [],
            words: [],
          });
          userStored = this.storeUserTurn(userText, answer);
        },
        failover: async () => {
          // The agent's transcript of the user, else ours.
          if (!userText && input.kind === 'audio') {
            userText = await traced(answer.trace, 'stt', (span) =>
              this.transcribe(input.audio, answer, utteranceId, span, input.origin.transcript),
            );
          }
          if (!userText) return null;
          const messages = await this.prompt(userText, answer, images);
          userStored ??= this.storeUserTurn(userText, answer);
          return { kind: 'llm', llm: this.deps.llm, request: this.llmRequest(messages, answer) };
        },
      },
      // The agent may not have transcribed the user: then ours does, after the answer, so the turn is kept.
      async () => {
        if (!userStored && input.kind === 'audio') {
          const text = await this.transcribe(input.audio, answer, utteranceId, UNTRACED).catch(() => '');
          if (text) userStored = this.storeUserTurn(text, answer);
        }
        return userStored ?? false;
      },
    );
    return true;
  }

  /** The chat model's request for an answer in the avatar's JSON contract, with the persona's tools. */
  private llmRequest(messages: ChatMessage[], answer: Answer): Omit<LlmRequest, 'signal'> {
    const tools = this.deps.tools?.specs ?? [];
    return {
      messages,
      json: true,
      contract: answerContract(this.config.persona),
      maxTokens: this.config.maxResponseTokens,
      model: this.config.persona.llmModel ?? undefined,
      ...(tools.length > 0 ? { tools, runTool: (call: ModelToolCall) => this.runTool(call, answer) } : {}),
    };
  }

  /**
   * The agent's instructions for the coming turn: the persona and the memories that match what the user said
   * (`query`, when known), else their last turn.
   */
  private async agentInstructions(query: string | undefined, answer?: Answer): Promise<string> {
    const memories = await this.recall(query ?? (await this.lastUserText().catch(() => '')), answer);
    return agentInstructions(this.config.persona, memories, this.config.promptTokenBudget);
  }

  /** A new agent connection starts from the stored conversation: what the user said, and heard of each answer. */
  private agentContext(instructions: string): AgentContext {
    return { instructions, history: () => this.deps.history.recent(this.config.sessionId) };
  }

  private async lastUserText(): Promise<string> {
    const recent = await this.deps.history.recent(this.config.sessionId);
    return recent.findLast((turn) => turn.role === 'user')?.text ?? '';
  }

  /** Resolves true once the user turn is in the history and the store; false (reported) when it is not. */
  private storeUserTurn(text: string, answer: Answer): Promise<boolean> {
    const { sessionId } = this.config;
    return Promise.all([
      this.deps.history.append(sessionId, { role: 'user', text }),
      this.deps.turns.save(sessionId, {
        role: 'USER',
        text,
        utteranceId: answer.utteranceId,
        interrupted: false,
        emotion: null,
        timings: { ...answer.timings },
      }),
    ]).then(
      () => true,
      (err: unknown) => {
        this.reportError(err, answer);
        return false;
      },
    );
  }

  private async storeAssistantTurn(state: AnswerState, heard: string, produced: Produced): Promise<void> {
    const { sessionId } = this.config;
    const interrupted = state.interruption !== null;
    if (heard) await this.deps.history.append(sessionId, { role: 'assistant', text: heard });
    const saved = await this.deps.turns.save(sessionId, {
      role: 'ASSISTANT',
      text: heard,
      utteranceId: state.answer.utteranceId,
      interrupted,
      failed: produced.failed ?? false,
      emotion: produced.outcome.emotion,
      contractKept: produced.outcome.contractKept,
      timings: state.answer.timings,
    });
    state.savedTurnId = saved.id;
    if (state.untimedSpeech && heard) {
      const sentences = state.answer.playback.segments.map(({ text, startMs, endMs }) => ({
        text,
        startMs,
        endMs,
      }));
      this.deps.aligner?.align({ sessionId, turnId: saved.id, responseId: state.answer.id, sentences });
    }
    // Flags raised while answering are linked to the turn, so the summarizer can hold it back until reviewed.
    if (produced.flagIds.length > 0) await this.deps.moderator.attachTurn(produced.flagIds, saved.id);
    // A barge-in may have landed while we were storing: apply it now that the turn exists.
    if (!interrupted && state.interruption) await this.persistTruncation(state);
  }

  /** Never rejects: a failure is reported to the client. */
  private async persistTruncation(state: AnswerState): Promise<void> {
    if (state.savedTurnId === null || !state.interruption) return;
    try {
      await this.deps.history.truncateLastAssistant(this.config.sessionId, state.interruption.heardText);
      await this.deps.turns.truncate(state.savedTurnId, state.interruption.heardText);
    } catch (err) {
      this.reportError(err, state.answer);
    }
  }

  /** `ResponseDone` with what was said, unless the answer was already closed (interrupted) or never started. */
  private closeAnswer(
    state: AnswerState,
    result: { emotion: string; actions: string[]; moderated: boolean },
  ): void {
    if (!state.started || state.closed) return;
    state.closed = true;
    // The answer's actions are the application's to take: each is its own typed event, before the answer ends.
    for (const action of result.actions) {
      this.emit({ type: 'AvatarAction', responseId: state.answer.id, action });
    }
    this.emit({
      type: 'ResponseDone',
      responseId: state.answer.id,
      text: state.answer.playback.spokenText,
      ...result,
    });
  }

  private sendSpeech(state: AnswerState, events: SpeechEventPayload[]): void {
    const { answer } = state;
    if (answer.stopped || state.closed || events.length === 0) return;
    const span = answer.trace.child('publish', { 'publish.events': events.length });
    for (const event of events) {
      if (event.type === 'SpeechChunk') {
        if (event.phonemes.length === 0 && event.durationMs > 0) state.untimedSpeech = true;
        const first = answer.playback.markSent(event.startMs + event.durationMs, this.clock.now());
        if (first) {
          answer.timings.firstAudioMs = this.since(answer);
          // Its delivery to subscribers, on whichever node, joins the turn's trace.
          const traceparent = traceparentOf(answer.trace);
          if (traceparent) {
            this.emit({ ...event, traceparent });
            continue;
          }
        }
      }
      this.emit(event);
    }
    span.end();
  }

  /** `answer`: the answer the warning is about, when there is one. */
  private warn(answer: Answer | undefined, message: string): void {
    this.deps.log?.warn(answer?.logFields() ?? { ...this.config.logFields }, message);
  }

  private since(answer: Answer): number {
    return Math.round(this.clock.now() - answer.startedAt);
  }

  private emit(payload: SessionEventPayload): void {
    this.deps.events.emit(this.config.sessionId, payload);
  }

  /** Tells the client (a `SessionError`) and logs the failure once, with its code. */
  private reportError(err: unknown, answer: Answer): void {
    if (err instanceof Stop) return;
    const known = err instanceof AppError;
    const code = errorCode(err);
    answer.trace.fail(err);
    this.deps.log?.error({ ...answer.logFields(), code, err }, 'turn failed');
    this.emit({
      type: 'SessionError',
      code,
      message: known ? err.message : 'Something went wrong while answering',
      retryable: known ? err.retryable : false,
    });
  }
}

/** A turn's latency marks as span attributes (`timing.firstAudioMs`...). */
function timingAttributes(timings: Record<string, number>): TraceAttributes {
  return Object.fromEntries(Object.entries(timings).map(([name, ms]) => [`timing.${name}`, ms]));
}

/** The promise's value, or undefined (after `onTimeout`) when it takes longer than `ms`; no cap without `ms`. */
async function withinTime<T>(
  promise: Promise<T>,
  ms: number | undefined,
  onTimeout: () => void,
): Promise<T | undefined> {
  if (ms === undefined) return promise;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => {
      onTimeout();
      resolve(undefined);
    }, ms);
  });
  // A late answer is dropped, and so is a late failure.
  promise.catch(() => undefined);
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

const words = (text: string) => text.split(' ').filter(Boolean);
