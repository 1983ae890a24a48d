import type { AgentAdapter, AgentImage } from '../adapters/agent/types';
import type { ResamplerPool } from '../adapters/audio/resampler';
import {
  FailoverLlm,
  FailoverStt,
  FailoverTts,
  type LabelledProvider,
  type ProviderChain,
} from '../adapters/failover';
import type { LLMAdapter } from '../adapters/llm/types';
import type { STTAdapter } from '../adapters/stt/types';
import type { TTSAdapter } from '../adapters/tts/types';
import type { VoiceActivityDetector } from '../adapters/vad/types';
import type { VisemeService } from '../adapters/visemes/types';
import { answerContract } from '../domain/answer-contract';
import { expressTool } from '../domain/tools';
import type { Logger } from '../logger';
import { AgentLink } from './agent-link';
import { MicrophoneInput } from './microphone-input';
import type {
  ClientChannel,
  ConversationHistory,
  EventSink,
  MemoryRecall,
  MicrophoneSink,
  Moderator,
  PlayedReport,
  SessionActivity,
  SpeechAligner,
  ToolRunner,
  TurnLimits,
  TurnStore,
  TurnTracer,
} from './ports';
import {
  type AnswerFeatures,
  type RuntimePersona,
  SessionRuntime,
  type SessionRuntimeConfig,
  type SessionRuntimeDeps,
} from './session-runtime';
import type { AvatarLook, SpeechRenderer } from './speech-renderer';

/** A capability's providers in the configured order, and the adapter label behind each configured name. */
export interface ProviderSet<P extends LabelledProvider> {
  chain: ProviderChain<P>;
  /** e.g. `{ local: 'espeak-ng', openai: 'openai-tts:gpt-4o-mini-tts' }`: personas name providers by key. */
  labels: Record<string, string>;
}

export interface SpeechProviderChains {
  stt: ProviderSet<STTAdapter>;
  llm: ProviderSet<LLMAdapter>;
  tts: ProviderSet<TTSAdapter>;
}

/** The persona as the pipeline uses it (a stored Persona row fits). */
export interface LivePersona extends Omit<RuntimePersona, 'voice' | 'greeting'> {
  voice: string;
  greeting: string;
  sttProvider: string | null;
  llmProvider: string | null;
  ttsProvider: string | null;
  avatarRig: string;
  visemeMap: unknown;
  /** Persona switches: speech, visemes, blendshapes, gestures, memory. */
  capabilities: readonly string[];
  /** `agent`: a speech-to-speech agent answers (the cascade when it fails); else the cascade. */
  conversationMode: string;
  agentProvider: string | null;
  agentModel: string | null;
  agentVoice: string | null;
  /** Agent mode: `ours` or `provider` turn detection. */
  turnDetection: string;
  /** The stored tool list (validated on save). */
  tools: unknown;
}

/** A session to bring live: read once by the caller, with its persona. */
export interface LiveSession {
  session: {
    id: string;
    userId: string;
    /** The session's own trace (a W3C trace id): each turn's trace links to it. */
    traceId: string;
    /** What the client renders: audio, text, visemes, blendshapes, gestures. */
    capabilities: readonly string[];
  };
  persona: LivePersona;
  /** This node's fencing token for the session, when nodes share sessions: its events carry it. */
  writer?: string;
  /** The same ownership's fence number: its stored turns carry it. */
  fence?: number;
}

export interface RealtimeHubDeps {
  providers: SpeechProviderChains;
  vad: { createStream(): VoiceActivityDetector };
  resamplers: ResamplerPool;
  visemes: VisemeService;
  /** Each answer's speech renderer, for what the session's avatar shows. */
  renderers(responseId: string, look: AvatarLook, onWarning: (message: string) => void): SpeechRenderer;
  events: EventSink;
  turns: TurnStore;
  history: ConversationHistory;
  memory: MemoryRecall;
  moderator: Moderator;
  activity: SessionActivity;
  limits?: TurnLimits;
  logger: Logger;
  /** How a user appears in log lines: the id, or a hash of it when logs are anonymized. */
  logUserId?: (userId: string) => string;
  /** One trace per turn; nothing is traced without it. */
  tracer?: TurnTracer;
  /** Aligns stored answers whose speech came without phoneme timings (background work, when it is on). */
  aligner?: SpeechAligner;
  endOfTurnSilenceMs: number;
  /** Silence at which an utterance is transcribed ahead, to end the turn early when it reads as finished (0: off). */
  endOfTurnPauseMs?: number;
  /** Speech between two partial transcripts (0: none). */
  partialTranscriptIntervalMs?: number;
  /** Silence after which a finished-looking utterance ends the turn. */
  endOfTurnFinishedMs?: number;
  /** Caps on memory recall and moderation in a turn. */
  timeouts?: { memoryRecallMs: number; moderationMs: number };
  /** Speech-to-speech agents by provider name (`openai-realtime`, `gemini-live`), for personas in agent mode. */
  agents?: { byName: Record<string, AgentAdapter>; retryAfterMs: number };
  /** The persona's tools for a user's session. */
  tools?(persona: LivePersona, userId: string): ToolRunner;
}

/** What a session's answers carry and show, from the persona's switches and the client's capabilities. */
export function answerFeatures(
  persona: readonly string[],
  client: readonly string[],
): AnswerFeatures & { visemes: boolean; blendshapes: boolean; gestures: boolean } {
  const both = (feature: string) => persona.includes(feature) && client.includes(feature);
  const speech = persona.includes('speech') && client.includes('audio');
  return {
    speech,
    text: client.includes('text'),
    memory: persona.includes('memory'),
    visemes: speech && both('visemes'),
    blendshapes: speech && both('blendshapes'),
    gestures: speech && both('gestures'),
  };
}

/**
 * The live conversations of this node: one SessionRuntime per live session, started on its first input with
 * the providers its persona asks for, and the microphone inputs of its clients.
 */
export class RealtimeHub {
  private readonly live = new Map<string, Promise<SessionRuntime>>();

  constructor(private readonly deps: RealtimeHubDeps) {}

  /** Sessions with a runtime on this node. */
  get size(): number {
    return this.live.size;
  }

  /** Whether the session has a runtime on this node. */
  has(sessionId: string): boolean {
    return this.live.has(sessionId);
  }

  /** Typed text, answered like speech; resolves with the utterance id its events carry. */
  async sendText(live: LiveSession, text: string, traceparent?: string): Promise<{ utteranceId: string }> {
    const runtime = await this.runtime(live);
    return { utteranceId: runtime.userText(text, { traceparent }) };
  }

  /** An image for the model, with the user's next turn. */
  async sendImage(live: LiveSession, image: AgentImage): Promise<void> {
    (await this.runtime(live)).addImage(image);
  }

  /** Says the persona's greeting, e.g. when a client opens the session. */
  async greet(live: LiveSession): Promise<void> {
    (await this.runtime(live)).greet();
  }

  /**
   * Stops the avatar mid-answer; false when it was not speaking (or the session is not live here). `played`: the
   * client's count of what it played, also taken for an answer already cut off by the user's speech.
   */
  async interrupt(sessionId: string, played?: PlayedReport): Promise<boolean> {
    const runtime = await this.live.get(sessionId)?.catch(() => undefined);
    if (!runtime || !(runtime.speaking || (played && runtime.awaitingPlayedReport))) return false;
    runtime.interrupt(played);
    return true;
  }

  /**
   * The session's persona changed: a live runtime takes the new one at its next turn boundary (and says so);
   * a session not live here starts with it.
   */
  async setPersona(live: LiveSession): Promise<void> {
    const changed = {
      type: 'PersonaChanged' as const,
      personaId: live.persona.id,
      name: live.persona.name,
    };
    const runtime = await this.live.get(live.session.id)?.catch(() => undefined);
    if (!runtime) {
      this.deps.events.emit(live.session.id, changed, live.writer);
      return;
    }
    runtime.switchTo(this.runtimeParts(live), changed);
  }

  /** A client's microphone stream for the session. */
  async openMicrophone(live: LiveSession, client: ClientChannel): Promise<MicrophoneSink> {
    const runtime = await this.runtime(live);
    return new MicrophoneInput({
      conversation: runtime,
      vad: this.deps.vad.createStream(),
      resamplers: this.deps.resamplers,
      client,
      endOfTurnSilenceMs: this.deps.endOfTurnSilenceMs,
      pauseMs: this.deps.endOfTurnPauseMs,
      partialIntervalMs: this.deps.partialTranscriptIntervalMs,
      finishedSilenceMs: this.deps.endOfTurnFinishedMs,
      onWarning: (message) => this.deps.logger.warn(this.logFields(live), message),
    });
  }

  /** Stops the session's runtime and forgets it. */
  async close(sessionId: string): Promise<void> {
    const live = this.live.get(sessionId);
    this.live.delete(sessionId);
    await (await live?.catch(() => undefined))?.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.close(id)));
  }

  private runtime(live: LiveSession): Promise<SessionRuntime> {
    const id = live.session.id;
    let runtime = this.live.get(id);
    if (!runtime) {
      runtime = this.start(live);
      this.live.set(id, runtime);
      runtime.catch(() => this.live.delete(id));
    }
    return runtime;
  }

  /** The session's fields in every log line of its pipeline. */
  private logFields({ session }: LiveSession): Record<string, string> {
    const userId = this.deps.logUserId?.(session.userId) ?? session.userId;
    return { sessionId: session.id, userId };
  }

  /** A persona in agent mode talks through its agent; one whose agent is not configured stays on the cascade. */
  private agentLink(persona: LivePersona, tools: ToolRunner | undefined, log: Logger): AgentLink | undefined {
    if (persona.conversationMode !== 'agent') return undefined;
    const name = persona.agentProvider ?? 'openai-realtime';
    const adapter = this.deps.agents?.byName[name];
    if (!adapter) {
      log.warn(
        { provider: name },
        'persona asks for an agent that is not configured; answering with the cascade',
      );
      return undefined;
    }
    return new AgentLink({
      adapter,
      setup: {
        voice: persona.agentVoice ?? undefined,
        model: persona.agentModel ?? undefined,
        tools: [expressTool(answerContract(persona)), ...(tools?.specs ?? [])],
        turnDetection: persona.turnDetection === 'provider' ? 'provider' : 'ours',
      },
      retryAfterMs: this.deps.agents?.retryAfterMs ?? 30_000,
      clock: { now: () => performance.now() },
    });
  }

  private async start(live: LiveSession): Promise<SessionRuntime> {
    await this.deps.activity.markActive(live.session.id);
    const { config, deps } = this.runtimeParts(live);
    const runtime = new SessionRuntime(config, deps);
    this.deps.logger.child(config.logFields ?? {}).info({ persona: live.persona.name }, 'session live');
    return runtime;
  }

  /** What a session's runtime is made of, from its persona (the providers it prefers, its look, tools, agent). */
  private runtimeParts(live: LiveSession): { config: SessionRuntimeConfig; deps: SessionRuntimeDeps } {
    const { session, persona, writer, fence } = live;
    const { providers, logger } = this.deps;
    const logFields = this.logFields(live);
    const log = logger.child(logFields);
    const features = answerFeatures(persona.capabilities, session.capabilities);
    const look: AvatarLook = {
      rig: this.deps.visemes.resolveRig(persona.avatarRig, persona.visemeMap).rig,
      visemes: features.visemes,
      blendshapes: features.blendshapes,
      gestureLibrary: features.gestures ? persona.gestureLibrary : [],
    };
    const tools = this.deps.tools?.(persona, session.userId);
    const agent = this.agentLink(persona, tools, log);
    return {
      config: {
        sessionId: session.id,
        userId: session.userId,
        persona,
        features,
        timeouts: this.deps.timeouts,
        logFields,
        traceId: session.traceId,
      },
      deps: {
        stt: new FailoverStt(preferred(providers.stt, persona.sttProvider, log)),
        llm: new FailoverLlm(preferred(providers.llm, persona.llmProvider, log)),
        tts: new FailoverTts(preferred(providers.tts, persona.ttsProvider, log)),
        createSpeechRenderer: (responseId) =>
          this.deps.renderers(responseId, look, (message) => log.debug({ responseId }, message)),
        moderator: this.deps.moderator,
        memory: this.deps.memory,
        history: this.deps.history,
        turns: {
          save: (sessionId, turn) => this.deps.turns.save(sessionId, turn, fence),
          truncate: (turnId, heardText) => this.deps.turns.truncate(turnId, heardText, fence),
        },
        limits: this.deps.limits,
        activity: this.deps.activity,
        events: { emit: (sessionId, payload) => this.deps.events.emit(sessionId, payload, writer) },
        tracer: this.deps.tracer,
        aligner: this.deps.aligner,
        agent,
        tools,
        // The runtime puts the session's fields in each line itself, with the answer's and the trace's ids.
        log: logger,
      },
    };
  }
}

/** The persona's preferred provider first, then the configured order; an unknown name is logged, not fatal. */
function preferred<P extends LabelledProvider>(set: ProviderSet<P>, name: string | null, log: Logger) {
  if (!name) return set.chain;
  const label = set.labels[name];
  const labels = set.chain.providers.map((p) => p.label);
  if (!label || !labels.includes(label)) {
    log.warn(
      { provider: name, configured: Object.keys(set.labels) },
      'persona names a provider that is not configured',
    );
    return set.chain;
  }
  return set.chain.withOrder([label, ...labels.filter((l) => l !== label)]);
}
