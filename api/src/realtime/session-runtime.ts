import { randomUUID } from 'node:crypto';
import type { LLMAdapter, LlmUsage } from '../adapters/llm/types';
import type { STTAdapter } from '../adapters/stt/types';
import type { TTSAdapter, TtsChunk } from '../adapters/tts/types';
import type { PcmAudio, WordTiming } from '../domain/audio';
import { buildPrompt, type PromptPersona } from '../domain/prompt';
import type { SessionEventPayload } from '../domain/session-events';
import { AppError } from '../errors';
import { AvatarResponseParser, type PlannedGesture } from './avatar-response-parser';
import type { HistoryStore } from './history-store';

/**
 * The orchestrator of one live session. Each user turn runs as a small pipeline of stages connected by
 * frame queues (pipecat style):
 *
 *   [STT] → LLM + avatar parser ──sentences──▶ moderation ──sentences──▶ TTS + speech renderer → emit
 *
 * Data frames (sentences) keep their order and are dropped when the turn is interrupted; the control
 * operations (`interrupt`, barge-in) act at once instead of waiting behind data. A stage never throws into
 * another: it reports its failure upstream to the turn, which aborts the other stages and ends the
 * response with a `SessionError`. Every side effect is an injected dependency, so the whole thing runs on
 * fakes in tests and benchmarks.
 *
 * Per turn the events are: `TranscriptFinal` (typed text is echoed as one), `ResponseStarted`, then `ResponseTextDelta`s
 * and `SpeechChunk`s (with whatever `BlendshapeFrames`/`GestureEvent`s the renderer adds) interleaved,
 * since speech starts with the first complete sentence, and finally `ResponseDone`, or `Interrupted` when
 * the user barged in. Text deltas are emitted per sentence, after moderation, so no unmoderated text ever
 * reaches a client.
 */

export interface Clock {
  /** Milliseconds, monotonic. */
  now(): number;
}

export interface ModerationResult {
  allowed: boolean;
  /** What to say: the text itself (possibly redacted) when allowed, the persona's fallback when not. */
  text: string;
  category?: string;
}

/** A sentence on its way to speech, with what the renderer needs to anchor visemes and gestures. */
export interface SpeechSentence {
  index: number;
  text: string;
  /** Index in the whole response of this sentence's first word (gesture plans count words from 0). */
  firstWordIndex: number;
}

export type SpeechEventPayload = Extract<
  SessionEventPayload,
  { type: 'SpeechChunk' | 'BlendshapeFrames' | 'GestureEvent' }
>;

/**
 * Turns one response's TTS audio into client events. Made once per response because renderers keep state
 * (running offsets, coarticulation, chunk buffering). Every `SpeechChunk` must carry offsets on the
 * response's audio timeline (ms from its first sample): the runtime uses them to know what was played.
 */
export interface SpeechRenderer {
  push(chunk: TtsChunk, sentence: SpeechSentence): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /** The sentence's audio is complete: hand out anything still buffered. */
  endSentence(sentence: SpeechSentence): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /**
   * The gesture plan and the answer's emotion arrive with the end of the model's answer, usually while speech
   * is still going.
   */
  gesturePlan?(
    plan: PlannedGesture[],
    emotion: string | null,
  ): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /** The answer's audio is over (or was cut off): last buffered events, and resources handed back. Called once. */
  end?(): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
}

export interface TurnRecord {
  role: 'USER' | 'ASSISTANT';
  /** For an interrupted assistant turn, only what the user heard. */
  text: string;
  utteranceId: string | null;
  interrupted: boolean;
  emotion: string | null;
  /** Latency marks in ms from the end of the user's turn: sttMs, llmFirstTokenMs, firstAudioMs, totalMs. */
  timings: Record<string, number>;
}

export interface SessionRuntimeDeps {
  stt: STTAdapter;
  llm: LLMAdapter;
  tts: TTSAdapter;
  /** Default: `createBasicSpeechRenderer` (audio and phonemes, no visemes, blendshapes or gestures). */
  createSpeechRenderer?: (responseId: string) => SpeechRenderer;
  moderate(text: string): Promise<ModerationResult>;
  retrieveMemories(query: string): Promise<string[]>;
  history: HistoryStore;
  saveTurn(turn: TurnRecord): Promise<{ id: string }>;
  /** Rewrites a saved assistant turn when a barge-in comes after the answer was saved (still playing). */
  truncateTurn?(turnId: string, heardText: string): Promise<void>;
  limits?: {
    consumeTurn(sessionId: string): Promise<void>;
    recordTokens(sessionId: string, tokens: number): Promise<void>;
  };
  /** Delivers an event; the caller adds `sessionId`, `seq` and `at`. Must not throw. */
  emit(payload: SessionEventPayload): void;
  clock?: Clock;
}

export interface SessionRuntimeConfig {
  sessionId: string;
  persona: PromptPersona & { voice?: string };
  language?: string;
  promptTokenBudget?: number;
  maxResponseTokens?: number;
}

/** A spoken sentence of the response with its place on the response's audio timeline. */
interface SpokenSegment {
  text: string;
  startMs: number;
  endMs: number;
  /** Absolute word timings when the TTS gave them. */
  words: WordTiming[];
  complete: boolean;
}

/** Abort reason of our own making (barge-in, moderation, close): unwinding from it is not an error. */
class Stop extends Error {}

class Response {
  readonly id = randomUUID();
  /** Latency marks from the end of the user's turn, saved with the assistant turn. */
  readonly timings: Record<string, number> = {};
  readonly controller = new AbortController();
  started = false;
  /** Set once `ResponseDone` or `Interrupted` went out; no more events of this response are emitted. */
  closed = false;
  generating = true;
  interruption: { heardText: string; playedMs: number } | null = null;
  failure: unknown = null;
  readonly segments: SpokenSegment[] = [];
  readonly spoken: string[] = [];
  ttsMs = 0;
  audioSentMs = 0;
  playbackStartedAt: number | null = null;
  savedTurnId: string | null = null;
  moderated = false;
  textStarted = false;
  gesturePlan: PlannedGesture[] | null = null;
  emotion: string | null = null;
  gesturesRendered = false;

  constructor(
    readonly utteranceId: string | null,
    readonly turnStart: number,
  ) {}

  /** Stage failures land here: the first one wins and stops every other stage. */
  fail(err: unknown): void {
    if (this.controller.signal.aborted) return;
    this.failure = err;
    this.controller.abort(err);
  }
}

type Input = { kind: 'text'; text: string; utteranceId: string } | { kind: 'audio'; audio: PcmAudio };

interface Outcome {
  emotion: string;
  actions: string[];
  usage: LlmUsage | null;
}

export class SessionRuntime {
  private readonly clock: Clock;
  private readonly createRenderer: (responseId: string) => SpeechRenderer;
  /** Bumped by each interruption: queued inputs from an older generation are dropped. */
  private generation = 0;
  private tail: Promise<void> = Promise.resolve();
  private current: Response | null = null;
  private closed = false;

  constructor(
    private readonly config: SessionRuntimeConfig,
    private readonly deps: SessionRuntimeDeps,
  ) {
    this.clock = deps.clock ?? { now: () => performance.now() };
    this.createRenderer = deps.createSpeechRenderer ?? createBasicSpeechRenderer;
  }

  /**
   * A typed message (the `sendText` mutation). It takes the same path as speech, so subscribers see it as a
   * `TranscriptFinal`; talking over the avatar interrupts it.
   */
  userText(text: string, utteranceId: string = randomUUID()): string {
    this.enqueue({ kind: 'text', text, utteranceId });
    return utteranceId;
  }

  /** A finished utterance (after end-of-turn detection): transcribed, then answered. */
  userUtterance(audio: PcmAudio): void {
    this.enqueue({ kind: 'audio', audio });
  }

  /** Voice activity started: a barge-in if the avatar is answering or still being heard. */
  userSpeechStarted(): void {
    if (this.speaking) this.interrupt();
  }

  /**
   * Stops the current answer at once: LLM and TTS streams are aborted, `Interrupted` is emitted with what
   * the user heard, and queued inputs are dropped. `playedMs` is the client's own count when it has one.
   */
  interrupt(opts: { playedMs?: number } = {}): void {
    this.generation++;
    const response = this.current;
    if (!response || response.interruption) return;
    if (!response.started) {
      // Still transcribing or thinking: nothing was said, so there is nothing to report or truncate.
      response.controller.abort(new Stop('interrupted'));
      return;
    }
    const playedMs = Math.max(0, Math.min(opts.playedMs ?? this.playedMs(response), response.audioSentMs));
    const heardText = heardTextAt(response.segments, playedMs);
    response.interruption = { heardText, playedMs };
    response.closed = true;
    response.controller.abort(new Stop('interrupted'));
    this.deps.emit({ type: 'Interrupted', responseId: response.id, heardText, playedMs });
    // An answer that was already saved is rewritten; one still generating is saved truncated when it unwinds.
    if (!response.generating) void this.persistTruncation(response, heardText);
  }

  /** True while an answer is being produced or its audio is still playing on the client. */
  get speaking(): boolean {
    const response = this.current;
    if (!response || response.interruption) return false;
    return response.generating || this.isPlaying(response);
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
    this.current?.controller.abort(new Stop('session closed'));
    await this.whenIdle();
  }

  private enqueue(input: Input): void {
    if (this.closed) return;
    if (this.speaking) this.interrupt();
    const generation = this.generation;
    this.tail = this.tail.then(() => this.runTurn(input, generation));
  }

  private isPlaying(response: Response): boolean {
    return (
      response.playbackStartedAt !== null &&
      this.clock.now() < response.playbackStartedAt + response.audioSentMs
    );
  }

  private playedMs(response: Response): number {
    if (response.playbackStartedAt === null) return 0;
    return Math.min(response.audioSentMs, this.clock.now() - response.playbackStartedAt);
  }

  private emitFor(response: Response, payload: SessionEventPayload): void {
    if (!response.closed) this.deps.emit(payload);
  }

  /** Never throws: every failure becomes a `SessionError` event. */
  private async runTurn(input: Input, generation: number): Promise<void> {
    if (generation !== this.generation || this.closed) return;
    const utteranceId = input.kind === 'audio' ? randomUUID() : input.utteranceId;
    const response = new Response(utteranceId, this.clock.now());
    this.current = response;
    const { timings } = response;
    let userSaved: Promise<unknown> = Promise.resolve();
    try {
      const userText =
        input.kind === 'text'
          ? this.typed(input.text, input.utteranceId)
          : await this.transcribe(input.audio, response);
      timings.sttMs = this.since(response);
      if (!userText || response.controller.signal.aborted) return;
      await this.deps.limits?.consumeTurn(this.config.sessionId);

      const [recent, memories] = await Promise.all([
        this.deps.history.recent(this.config.sessionId),
        // Memories improve an answer but are not worth failing the turn for.
        this.deps.retrieveMemories(userText).catch(() => []),
      ]);
      const prompt = buildPrompt({
        persona: this.config.persona,
        memories,
        history: recent,
        userText,
        tokenBudget: this.config.promptTokenBudget,
      });
      // Storing the user turn is off the critical path to the first audio.
      userSaved = Promise.all([
        this.deps.history.append(this.config.sessionId, { role: 'user', text: userText }),
        this.deps.saveTurn({
          role: 'USER',
          text: userText,
          utteranceId,
          interrupted: false,
          emotion: null,
          timings: { ...timings },
        }),
      ]);
      if (response.controller.signal.aborted) return void (await userSaved);

      response.started = true;
      this.deps.emit({ type: 'ResponseStarted', responseId: response.id, utteranceId });
      let outcome: Outcome = { emotion: this.config.persona.defaultEmotion, actions: [], usage: null };
      try {
        outcome = await this.respond(response, prompt.messages);
      } catch (err) {
        // The answer failed part way: report it, then close it with what was actually said.
        this.reportError(err);
      }
      response.generating = false;
      await userSaved;
      await this.finish(response, outcome);
    } catch (err) {
      response.generating = false;
      this.reportError(err);
      if (response.started && !response.closed) {
        response.closed = true;
        this.deps.emit({
          type: 'ResponseDone',
          responseId: response.id,
          text: response.spoken.join(' '),
          emotion: this.config.persona.defaultEmotion,
          actions: [],
          moderated: response.moderated,
        });
      }
      await userSaved.catch((saveErr: unknown) => this.reportError(saveErr));
    } finally {
      response.generating = false;
    }
  }

  private typed(text: string, utteranceId: string): string {
    const trimmed = text.trim();
    this.deps.emit({ type: 'TranscriptFinal', utteranceId, text: trimmed, confidence: 1, alternatives: [] });
    return trimmed;
  }

  private async transcribe(audio: PcmAudio, response: Response): Promise<string> {
    let final = '';
    for await (const result of this.deps.stt.transcribe(audio, {
      signal: response.controller.signal,
      language: this.config.language,
    })) {
      const utteranceId = response.utteranceId ?? '';
      if (!result.isFinal) {
        this.deps.emit({ type: 'TranscriptPartial', utteranceId, text: result.text });
        continue;
      }
      final = result.text.trim();
      this.deps.emit({
        type: 'TranscriptFinal',
        utteranceId,
        text: final,
        confidence: result.confidence,
        alternatives: result.alternatives,
      });
    }
    return final;
  }

  private async respond(
    response: Response,
    messages: ReturnType<typeof buildPrompt>['messages'],
  ): Promise<Outcome> {
    const signal = response.controller.signal;
    const sentences = new FrameQueue<SpeechSentence>(signal);
    const cleared = new FrameQueue<SpeechSentence>(signal);
    // Moderation may stop generation early without that counting as a failure of the turn.
    const llmController = new AbortController();
    const stopLlm = () => llmController.abort(signal.reason);
    signal.addEventListener('abort', stopLlm, { once: true });
    const renderer = this.createRenderer(response.id);
    let rendererEnded = false;
    const endRenderer = async () => {
      if (rendererEnded || !renderer.end) return [];
      rendererEnded = true;
      return renderer.end();
    };
    const defaults = { emotion: this.config.persona.defaultEmotion };
    let result: Outcome = { emotion: defaults.emotion, actions: [], usage: null };
    // A model failing mid-answer does not cut the sentences it already completed: they are still spoken.
    let llmFailure: unknown = null;

    const llmStage = async () => {
      const parser = new AvatarResponseParser(defaults);
      let words = 0;
      const forward = (events: ReturnType<AvatarResponseParser['push']>) => {
        for (const event of events) {
          if (event.type !== 'sentence') continue;
          sentences.push({ index: event.index, text: event.text, firstWordIndex: words });
          words += countWords(event.text);
        }
      };
      try {
        for await (const chunk of this.deps.llm.stream({
          messages,
          signal: llmController.signal,
          json: true,
          maxTokens: this.config.maxResponseTokens,
        })) {
          if (chunk.type === 'usage') {
            result.usage = chunk.usage;
            continue;
          }
          response.timings.llmFirstTokenMs ??= this.since(response);
          forward(parser.push(chunk.text));
        }
        const end = parser.end();
        forward(end.events);
        result = { ...result, emotion: end.result.emotion, actions: end.result.actions };
        // Rendered by the speech stage, so gesture events follow the speech they belong to.
        response.gesturePlan = end.result.gesturePlan;
        response.emotion = end.result.emotion;
      } catch (err) {
        if (!llmController.signal.aborted) llmFailure = err;
      } finally {
        sentences.close();
      }
    };

    const moderationStage = async () => {
      try {
        for await (const sentence of sentences) {
          const verdict = await this.deps.moderate(sentence.text);
          if (signal.aborted) break;
          cleared.push({ ...sentence, text: verdict.text });
          this.emitFor(response, {
            type: 'ResponseTextDelta',
            responseId: response.id,
            delta: withSpace(response, verdict.text),
          });
          if (!verdict.allowed) {
            // The rest of a flagged answer is dropped: it would only continue what was replaced.
            response.moderated = true;
            llmController.abort(new Stop('moderated'));
            break;
          }
        }
      } catch (err) {
        response.fail(err);
      } finally {
        cleared.close();
      }
    };

    const speechStage = async () => {
      try {
        for await (const sentence of cleared) {
          const segment: SpokenSegment = {
            text: sentence.text,
            startMs: response.ttsMs,
            endMs: response.ttsMs,
            words: [],
            complete: false,
          };
          response.segments.push(segment);
          for await (const chunk of this.deps.tts.synthesize(sentence.text, {
            voice: this.config.persona.voice,
            signal,
          })) {
            const chunkStart = response.ttsMs;
            response.ttsMs += (chunk.samples.length * 1000) / chunk.sampleRate;
            segment.endMs = response.ttsMs;
            for (const word of chunk.words ?? []) {
              segment.words.push({
                ...word,
                startMs: word.startMs + chunkStart,
                endMs: word.endMs + chunkStart,
              });
            }
            this.sendSpeech(response, await renderer.push(chunk, sentence));
          }
          segment.complete = true;
          response.spoken.push(sentence.text);
          this.sendSpeech(response, await renderer.endSentence(sentence));
          await this.renderGestures(response, renderer);
        }
        await this.renderGestures(response, renderer);
        this.sendSpeech(response, await endRenderer());
      } catch (err) {
        response.fail(err);
      } finally {
        // An interrupted or failed answer still hands its resources back; what it would send is dropped.
        await endRenderer();
      }
    };

    try {
      await Promise.all([llmStage(), moderationStage(), speechStage()]);
    } finally {
      signal.removeEventListener('abort', stopLlm);
    }
    if (response.failure) throw response.failure;
    if (llmFailure) throw llmFailure;
    return result;
  }

  private async renderGestures(response: Response, renderer: SpeechRenderer): Promise<void> {
    const plan = response.gesturePlan;
    if (!plan || response.gesturesRendered || response.moderated || !renderer.gesturePlan) return;
    response.gesturesRendered = true;
    this.sendSpeech(response, await renderer.gesturePlan(plan, response.emotion));
  }

  private since(response: Response): number {
    return Math.round(this.clock.now() - response.turnStart);
  }

  private sendSpeech(response: Response, events: SpeechEventPayload[]): void {
    if (response.controller.signal.aborted) return;
    for (const event of events) {
      if (event.type === 'SpeechChunk') {
        if (response.playbackStartedAt === null) {
          response.playbackStartedAt = this.clock.now();
          response.timings.firstAudioMs = this.since(response);
        }
        response.audioSentMs = Math.max(response.audioSentMs, event.startMs + event.durationMs);
      }
      this.emitFor(response, event);
    }
  }

  private async finish(response: Response, outcome: Outcome): Promise<void> {
    const { timings } = response;
    timings.totalMs = this.since(response);
    const interrupted = response.interruption !== null;
    const text = response.interruption?.heardText ?? response.spoken.join(' ');
    if (!interrupted) {
      response.closed = true;
      this.deps.emit({
        type: 'ResponseDone',
        responseId: response.id,
        text,
        emotion: outcome.emotion,
        actions: outcome.actions,
        moderated: response.moderated,
      });
    }
    if (outcome.usage) {
      await this.deps.limits?.recordTokens(
        this.config.sessionId,
        outcome.usage.promptTokens + outcome.usage.completionTokens,
      );
    }
    if (text) await this.deps.history.append(this.config.sessionId, { role: 'assistant', text });
    const saved = await this.deps.saveTurn({
      role: 'ASSISTANT',
      text,
      utteranceId: response.utteranceId,
      interrupted,
      emotion: outcome.emotion,
      timings,
    });
    response.savedTurnId = saved.id;
    // A barge-in may have landed while we were saving: apply it now that the turn exists.
    if (!interrupted && response.interruption)
      await this.persistTruncation(response, response.interruption.heardText);
  }

  private async persistTruncation(response: Response, heardText: string): Promise<void> {
    if (response.savedTurnId === null) return;
    try {
      await this.deps.history.truncateLastAssistant(this.config.sessionId, heardText);
      await this.deps.truncateTurn?.(response.savedTurnId, heardText);
    } catch (err) {
      this.reportError(err);
    }
  }

  private reportError(err: unknown): void {
    if (err instanceof Stop) return;
    const known = err instanceof AppError;
    this.deps.emit({
      type: 'SessionError',
      code: known ? err.code : 'INTERNAL',
      message: known ? err.message : 'Something went wrong while answering',
      retryable: known ? err.retryable : false,
    });
  }
}

/** Deltas concatenate to the full text: sentences after the first are joined with a space. */
function withSpace(response: Response, text: string): string {
  const first = !response.textStarted;
  response.textStarted = true;
  return first ? text : ` ${text}`;
}

const countWords = (text: string) => text.split(/\s+/).filter(Boolean).length;

/**
 * What the user heard after `playedMs` of the response: whole sentences, then the words of the cut
 * sentence whose midpoint was played. Without word timings, the cut sentence is estimated from the share
 * of its audio that played, rounded down to whole words.
 */
export function heardTextAt(segments: readonly SpokenSegment[], playedMs: number): string {
  const heard: string[] = [];
  for (const segment of segments) {
    if (segment.complete && segment.endMs <= playedMs) {
      heard.push(segment.text);
      continue;
    }
    if (segment.startMs >= playedMs) break;
    const words = segment.text.split(/\s+/).filter(Boolean);
    let count: number;
    if (segment.words.length > 0) {
      count = segment.words.filter((w) => (w.startMs + w.endMs) / 2 <= playedMs).length;
    } else {
      const share = (playedMs - segment.startMs) / Math.max(1, segment.endMs - segment.startMs);
      const chars = Math.floor(segment.text.length * Math.min(1, share));
      count = segment.text.slice(0, chars + 1).split(/\s+/).length - 1;
    }
    if (count > 0) heard.push(words.slice(0, count).join(' '));
    break;
  }
  return heard.join(' ');
}

/**
 * The renderer used when none is injected: one `SpeechChunk` per TTS chunk with its phonemes moved onto
 * the response timeline. Visemes, blendshapes and gestures come from the injected renderer in the app.
 */
export function createBasicSpeechRenderer(responseId: string): SpeechRenderer {
  let chunkSeq = 0;
  let offsetMs = 0;
  return {
    push(chunk, sentence): SpeechEventPayload[] {
      const durationMs = (chunk.samples.length * 1000) / chunk.sampleRate;
      const startMs = offsetMs;
      offsetMs += durationMs;
      return [
        {
          type: 'SpeechChunk',
          responseId,
          chunkSeq: chunkSeq++,
          audio: Buffer.from(
            chunk.samples.buffer,
            chunk.samples.byteOffset,
            chunk.samples.byteLength,
          ).toString('base64'),
          sampleRate: chunk.sampleRate,
          encoding: 'pcm16',
          startMs,
          durationMs,
          text: sentence.text,
          phonemes: (chunk.phonemes ?? []).map((p) => ({
            ...p,
            startMs: p.startMs + startMs,
            endMs: p.endMs + startMs,
          })),
          visemes: [],
          gestures: [],
        },
      ];
    },
    endSentence: () => [],
  };
}

/**
 * An ordered queue of data frames between two stages. Closing it (or aborting the turn) ends the
 * consumer's iteration; frames still queued at an abort are dropped.
 */
class FrameQueue<T> implements AsyncIterable<T> {
  private readonly items: T[] = [];
  private waiter: (() => void) | null = null;
  private done = false;

  constructor(private readonly signal: AbortSignal) {
    signal.addEventListener('abort', () => this.close(), { once: true });
  }

  push(item: T): void {
    if (this.done) return;
    this.items.push(item);
    this.wake();
  }

  close(): void {
    this.done = true;
    this.wake();
  }

  private wake(): void {
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    while (true) {
      if (this.signal.aborted) return;
      const item = this.items.shift();
      if (item !== undefined) {
        yield item;
        continue;
      }
      if (this.done) return;
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
      });
    }
  }
}
