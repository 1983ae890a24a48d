/**
 * The stages of one answer, each a unit of its own (pipecat's processors in spirit):
 *
 *   LLM + avatar parser ──sentences──▶ moderation ──cleared sentences──▶ speech (TTS + renderer)
 *
 * Data (sentences) flows through ordered `StageQueue`s. Control does not wait behind data: interrupting the
 * answer aborts its signal, which stops every stage and drops what was queued. A stage never throws into
 * another: it hands its failure upstream to the `Answer`, which stops the others. Only the LLM stage's own
 * failure is softer: the sentences it completed before failing are still said.
 */
import { randomUUID } from 'node:crypto';
import type { AgentConnection, AgentTurnInput } from '../adapters/agent/types';
import type { LLMAdapter, LlmRequest, LlmUsage } from '../adapters/llm/types';
import type { TTSAdapter } from '../adapters/tts/types';
import { type AnswerContract, answerSchema } from '../domain/answer-contract';
import type { PlannedGesture } from '../domain/gesture-plan';
import { type CallContext, type TraceSpan, UNTRACED } from '../domain/tracing';
import { AvatarResponseParser, SentenceSplitter } from './avatar-response-parser';
import { countWords, PlaybackLedger } from './playback';
import type { ModerationVerdict } from './ports';
import type { SpeechEventPayload, SpeechRenderer, SpeechSentence } from './speech-renderer';
import { StageQueue } from './stage-queue';

/** Abort reason of our own making (barge-in, moderation, session closed): unwinding from it is not an error. */
export class Stop extends Error {}

/**
 * One answer in flight: its identity, its cancellation, its timings, what of it was played, and its turn's
 * trace (each stage adds its spans under `trace`).
 */
export class Answer {
  readonly id = randomUUID();
  private readonly controller = new AbortController();
  readonly playback = new PlaybackLedger();
  /** Latency marks from the end of the user's turn, saved with the assistant turn. */
  readonly timings: Record<string, number> = {};
  /** The first stage failure; it stopped every other stage. */
  failure: unknown = null;
  readonly trace: TraceSpan;
  private readonly sessionLog: Readonly<Record<string, string>>;

  constructor(
    readonly utteranceId: string | null,
    /** Clock time the user's turn ended; timings count from here. */
    readonly startedAt: number,
    observe: {
      /** Starts the turn's span, given the answer's id. */
      startTrace?: (answerId: string) => TraceSpan;
      /** The session's fields in every log line (sessionId, userId or its hash). */
      sessionLog?: Readonly<Record<string, string>>;
    } = {},
  ) {
    this.trace = observe.startTrace?.(this.id) ?? UNTRACED;
    this.sessionLog = observe.sessionLog ?? {};
  }

  /** A log line's fields about this answer, at `span` (the turn's own by default). */
  logFields(span: TraceSpan = this.trace): Record<string, string> {
    return { ...this.sessionLog, responseId: this.id, ...span.ids };
  }

  /** What a provider call made for this answer under `span` carries. */
  callContext(span: TraceSpan): CallContext {
    return { trace: span, log: this.logFields(span) };
  }

  get signal(): AbortSignal {
    return this.controller.signal;
  }

  get stopped(): boolean {
    return this.controller.signal.aborted;
  }

  stop(reason: string): void {
    this.controller.abort(new Stop(reason));
  }

  /** A stage failed: the first failure wins and stops every other stage. */
  fail(err: unknown): void {
    if (this.stopped) return;
    this.failure = err;
    this.controller.abort(err);
  }
}

/**
 * Runs one production of an answer with the queues between its stages and the model's own stop signal, which
 * fires with the answer's and also when moderation replaces a sentence (not a failure of the answer).
 */
export async function withStageQueues<T>(
  answer: Answer,
  run: (stages: {
    sentences: StageQueue<SpeechSentence>;
    cleared: StageQueue<SpeechSentence>;
    generation: AbortSignal;
    stopGeneration(): void;
  }) => Promise<T>,
): Promise<T> {
  const generation = new AbortController();
  const stopGeneration = () => generation.abort(answer.signal.reason ?? new Stop('moderated'));
  answer.signal.addEventListener('abort', stopGeneration, { once: true });
  try {
    return await run({
      sentences: new StageQueue(answer.signal),
      cleared: new StageQueue(answer.signal),
      generation: generation.signal,
      stopGeneration,
    });
  } finally {
    answer.signal.removeEventListener('abort', stopGeneration);
  }
}

/** What the model decided besides its words, known once its answer is complete. */
export interface LlmOutcome {
  emotion: string;
  actions: string[];
  gesturePlan: PlannedGesture[];
  usage: LlmUsage | null;
  /** The model broke the JSON contract: its output was said as plain text. */
  plainText: boolean;
  /** The complete answer satisfied the request's contract as written (absent: no contract, or cut short). */
  contractKept?: boolean;
  warnings: string[];
}

/** Where an answer's words come from: a model, a speech-to-speech agent, or a fixed line (greeting, fallback). */
export type AnswerSource =
  | { kind: 'llm'; llm: LLMAdapter; request: Omit<LlmRequest, 'signal'> }
  | {
      kind: 'agent';
      connection: AgentConnection;
      input: AgentTurnInput;
      /** The agent's transcript of the user's audio. */
      onInputTranscript(text: string): void;
      /** The agent failed: the cascade's source for the same turn (null when there is nothing to answer). */
      failover(): Promise<AnswerSource | null>;
    }
  | { kind: 'scripted'; text: string };

/**
 * The model's streamed answer, cut into sentences as they complete. Resolves with the model's outcome, or
 * with the error that cut it short (sentences already pushed still go on). Never throws.
 */
export async function runLlmStage(opts: {
  source: Exclude<AnswerSource, { kind: 'agent' }>;
  answer: Answer;
  /** Stopped early (moderation replaced the answer) without that counting as a failure. */
  stopGeneration: AbortSignal;
  defaultEmotion: string;
  sentences: StageQueue<SpeechSentence>;
  /** Called for every piece of content the model streams (the first one marks its latency). */
  onToken(): void;
}): Promise<{ outcome: LlmOutcome; failure: unknown }> {
  const { source, sentences } = opts;
  const outcome: LlmOutcome = {
    emotion: opts.defaultEmotion,
    actions: [],
    gesturePlan: [],
    usage: null,
    plainText: false,
    warnings: [],
  };
  let index = 0;
  let words = 0;
  let span: TraceSpan | undefined;
  const forward = (texts: readonly string[]) => {
    for (const text of texts) {
      sentences.push({ index: index++, text, firstWordIndex: words });
      words += countWords(text);
    }
  };
  try {
    if (source.kind === 'scripted') {
      const splitter = new SentenceSplitter();
      forward([...splitter.push(source.text), ...splitter.flush()]);
      return { outcome, failure: null };
    }
    span = opts.answer.trace.child('llm', { 'gen_ai.request.model': source.request.model ?? 'default' });
    const parser = new AvatarResponseParser({ emotion: opts.defaultEmotion });
    const request = {
      ...source.request,
      signal: opts.stopGeneration,
      context: opts.answer.callContext(span),
    };
    let tokens = 0;
    let raw = '';
    for await (const chunk of source.llm.stream(request)) {
      if (chunk.type === 'usage') {
        outcome.usage = chunk.usage;
        span.set({
          'gen_ai.usage.input_tokens': chunk.usage.promptTokens,
          'gen_ai.usage.output_tokens': chunk.usage.completionTokens,
        });
        continue;
      }
      if (tokens++ === 0) span.mark('first_token');
      opts.onToken();
      raw += chunk.text;
      forward(parser.push(chunk.text).map((e) => e.text));
    }
    const end = parser.end();
    forward(end.events.map((e) => e.text));
    Object.assign(outcome, {
      emotion: end.result.emotion,
      actions: end.result.actions,
      gesturePlan: end.result.gesturePlan,
      plainText: end.result.format === 'plain',
      warnings: end.result.warnings,
    });
    if (source.request.contract) outcome.contractKept = keepsContract(raw, source.request.contract);
    span?.set({
      'llm.sentences': index,
      'llm.plain_text': outcome.plainText,
      ...(outcome.contractKept === undefined ? {} : { 'llm.contract_kept': outcome.contractKept }),
    });
    return { outcome, failure: null };
  } catch (err) {
    const failure = opts.stopGeneration.aborted ? null : err;
    if (failure) span?.fail(failure);
    else span?.set({ cancelled: true });
    return { outcome, failure };
  } finally {
    span?.end();
    sentences.close();
  }
}

/** Whether the model's whole output is exactly a contract answer: the figure a decode-time grammar guarantees. */
function keepsContract(raw: string, contract: AnswerContract): boolean {
  try {
    return answerSchema(contract).safeParse(JSON.parse(raw)).success;
  } catch {
    return false;
  }
}

/**
 * The pre-send filter: every sentence is checked before anyone can hear or read it. A replaced sentence is
 * said as the persona's fallback, and the rest of that answer is dropped (it would only continue what was
 * replaced). Resolves with whether anything was replaced and the review flags raised.
 */
export async function runModerationStage(opts: {
  answer: Answer;
  sentences: StageQueue<SpeechSentence>;
  cleared: StageQueue<SpeechSentence>;
  moderate(text: string): Promise<ModerationVerdict>;
  /** A sentence passed (possibly replaced): its text may now be shown. */
  onCleared(text: string): void;
  /** Stops the model: nothing it writes after a replaced sentence will be said. */
  stopGeneration(): void;
}): Promise<{ replaced: boolean; flagIds: string[] }> {
  const { answer } = opts;
  const flagIds: string[] = [];
  let replaced = false;
  try {
    for await (const sentence of opts.sentences) {
      const verdict = await opts.moderate(sentence.text);
      if (verdict.flagId) flagIds.push(verdict.flagId);
      if (answer.stopped) break;
      opts.cleared.push({ ...sentence, text: verdict.text, replaced: !verdict.allowed });
      opts.onCleared(verdict.text);
      if (!verdict.allowed) {
        replaced = true;
        opts.stopGeneration();
        break;
      }
    }
  } catch (err) {
    answer.fail(err);
  } finally {
    opts.cleared.close();
  }
  return { replaced, flagIds };
}

/**
 * Speaks the cleared sentences in order: TTS per sentence, the renderer turns its audio into client events,
 * and the playback ledger records where each sentence sits so a barge-in knows what was heard. The gesture
 * plan is rendered once known, after the sentence it arrived during. Without a TTS the sentences are
 * delivered as text only. The answer's owner ends the renderer (an answer may speak more than once).
 */
export async function runSpeechStage(opts: {
  answer: Answer;
  cleared: StageQueue<SpeechSentence>;
  /** Absent for text-only answers. */
  speech?: { tts: TTSAdapter; voice?: string; renderer: SpeechRenderer };
  /** The gesture plan, once: null until the model finished, or when there is none to render. */
  takeGesturePlan(): { plan: PlannedGesture[]; emotion: string } | null;
  send(events: SpeechEventPayload[]): void;
}): Promise<void> {
  const { answer, speech } = opts;
  if (!speech) {
    for await (const sentence of opts.cleared) answer.playback.addText(sentence.text);
    return;
  }
  const { tts, renderer } = speech;
  const renderGestures = async () => {
    const gestures = renderer.gesturePlan ? opts.takeGesturePlan() : null;
    if (gestures) opts.send(await renderer.gesturePlan!(gestures.plan, gestures.emotion));
  };
  try {
    for await (const sentence of opts.cleared) {
      const span = answer.trace.child('tts', { 'sentence.index': sentence.index });
      try {
        const segment = answer.playback.beginSentence(sentence.text);
        let chunks = 0;
        for await (const chunk of tts.synthesize(sentence.text, {
          voice: speech.voice,
          signal: answer.signal,
          context: answer.callContext(span),
        })) {
          if (chunks++ === 0) span.mark('first_audio');
          answer.playback.addAudio(segment, (chunk.samples.length * 1000) / chunk.sampleRate, chunk.words);
          opts.send(await rendered(span, () => renderer.push(chunk, sentence)));
        }
        answer.playback.endSentence(segment);
        opts.send(await rendered(span, () => renderer.endSentence(sentence)));
      } catch (err) {
        if (answer.stopped) span.set({ cancelled: true });
        else span.fail(err);
        throw err;
      } finally {
        span.end();
      }
      await renderGestures();
    }
    await renderGestures();
  } catch (err) {
    answer.fail(err);
  }
}

/** Visemes, blendshape frames and gestures of a piece of speech, as a `render` span under its TTS span. */
async function rendered(
  tts: TraceSpan,
  render: () => SpeechEventPayload[] | Promise<SpeechEventPayload[]>,
): Promise<SpeechEventPayload[]> {
  const span = tts.child('render');
  try {
    return await render();
  } finally {
    span.end();
  }
}
