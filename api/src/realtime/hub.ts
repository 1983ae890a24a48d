import type { ResamplerPool } from '../adapters/audio/resampler';
import type { LabelledProvider, ProviderChain } from '../adapters/failover';
import { FailoverLlm, FailoverStt, FailoverTts } from '../adapters/failover';
import type { LLMAdapter } from '../adapters/llm/types';
import type { STTAdapter } from '../adapters/stt/types';
import type { TTSAdapter } from '../adapters/tts/types';
import type { VoiceActivityDetector } from '../adapters/vad/types';
import type { TokenService } from '../auth/tokens';
import type { Database } from '../db/database';
import { AppError, ForbiddenError } from '../errors';
import type { Persona, Session } from '../generated/prisma/client';
import type { Logger } from '../logger';
import type { Conversations } from '../services';
import type { SessionEventPublisher } from '../services/session-events';
import type { SessionService } from '../services/sessions';
import type { AudioSession, AudioSink, ClientChannel } from '../transport/audio-socket';
import type { HistoryStore } from './history-store';
import type { SessionLimits } from './limits';
import { MicrophoneInput } from './microphone-input';
import { type ModerationResult, SessionRuntime, type SpeechRenderer } from './session-runtime';

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

export interface RealtimeHubDeps {
  db: Database;
  tokens: TokenService;
  sessions: SessionService;
  events: SessionEventPublisher;
  logger: Logger;
  providers: SpeechProviderChains;
  vad: { createStream(): VoiceActivityDetector };
  resamplers: ResamplerPool;
  history: HistoryStore;
  limits?: SessionLimits;
  moderation: {
    moderate(input: {
      sessionId: string;
      personaId: string;
      text: string;
    }): Promise<ModerationResult & { flagId?: string }>;
    attachTurn(flagId: string, turnId: string): Promise<void>;
  };
  /** Long-term memories relevant to the text, as prompt lines. */
  retrieveMemories(input: { userId: string; personaId: string; query: string }): Promise<string[]>;
  createSpeechRenderer(responseId: string, context: { persona: Persona; session: Session }): SpeechRenderer;
  endOfTurnSilenceMs: number;
}

interface LiveSession {
  session: Session;
  runtime: SessionRuntime;
}

/**
 * Owns the live conversations of this node: one SessionRuntime per active session, created on its first
 * input (text or audio) with the providers its persona asks for, and the microphone pipelines of its audio
 * sockets. Implements the `Conversations` the GraphQL mutations use.
 */
export class RealtimeHub implements Conversations {
  private readonly live = new Map<string, Promise<LiveSession>>();

  constructor(private readonly deps: RealtimeHubDeps) {}

  async sendText(session: Session, text: string): Promise<{ utteranceId: string }> {
    const { runtime } = await this.liveSession(session);
    return { utteranceId: runtime.userText(text) };
  }

  async interrupt(session: Session): Promise<boolean> {
    const live = await this.live.get(session.id);
    if (!live?.runtime.speaking) return false;
    live.runtime.interrupt();
    return true;
  }

  async close(sessionId: string): Promise<void> {
    const live = this.live.get(sessionId);
    this.live.delete(sessionId);
    await (await live?.catch(() => undefined))?.runtime.close();
  }

  async closeAll(): Promise<void> {
    await Promise.all([...this.live.keys()].map((id) => this.close(id)));
  }

  /** Audio socket authentication: only a session token opens a session's microphone. */
  async authenticateAudio(token: string): Promise<AudioSession> {
    const viewer = await this.deps.tokens.verify(token);
    if (viewer.scope !== 'session' || !viewer.sessionId) {
      throw new ForbiddenError('The audio socket needs the session token from createSession');
    }
    const session = await this.deps.sessions.get(viewer, viewer.sessionId, 'control');
    await this.deps.sessions.assertOpen(session);
    return { sessionId: session.id, userId: session.userId };
  }

  async openMicrophone(audio: AudioSession, client: ClientChannel): Promise<AudioSink> {
    const session = await this.deps.db.prisma.session.findUniqueOrThrow({ where: { id: audio.sessionId } });
    if (session.status === 'ENDED') throw new AppError('SESSION_ENDED', `Session ${session.id} has ended`);
    const { runtime } = await this.liveSession(session);
    return new MicrophoneInput({
      conversation: runtime,
      vad: this.deps.vad.createStream(),
      resamplers: this.deps.resamplers,
      client,
      endOfTurnSilenceMs: this.deps.endOfTurnSilenceMs,
    });
  }

  private liveSession(session: Session): Promise<LiveSession> {
    let live = this.live.get(session.id);
    if (!live) {
      live = this.start(session);
      this.live.set(session.id, live);
      live.catch(() => this.live.delete(session.id));
    }
    return live;
  }

  private async start(session: Session): Promise<LiveSession> {
    const { db, providers, logger } = this.deps;
    const persona = await db.prisma.persona.findUniqueOrThrow({ where: { id: session.personaId } });
    await this.deps.sessions.markActive(session.id);
    const log = logger.child({ sessionId: session.id, traceId: session.traceId });
    // Flags raised while answering are linked to the assistant turn once it is stored, so the summarizer can
    // hold that turn back from memory until a reviewer decides.
    let unlinkedFlags: string[] = [];
    const runtime = new SessionRuntime(
      {
        sessionId: session.id,
        persona: {
          name: persona.name,
          description: persona.description,
          systemPrompt: persona.systemPrompt,
          gestureLibrary: persona.gestureLibrary,
          defaultEmotion: persona.defaultEmotion,
          voice: persona.voice,
        },
      },
      {
        stt: new FailoverStt(preferred(providers.stt, persona.sttProvider, log)),
        llm: new FailoverLlm(preferred(providers.llm, persona.llmProvider, log)),
        tts: new FailoverTts(preferred(providers.tts, persona.ttsProvider, log)),
        createSpeechRenderer: (responseId) =>
          this.deps.createSpeechRenderer(responseId, { persona, session }),
        moderate: async (text) => {
          const outcome = await this.deps.moderation.moderate({
            sessionId: session.id,
            personaId: persona.id,
            text,
          });
          if (outcome.flagId) unlinkedFlags.push(outcome.flagId);
          return outcome;
        },
        retrieveMemories: async (query) =>
          persona.capabilities.includes('memory')
            ? this.deps.retrieveMemories({ userId: session.userId, personaId: persona.id, query })
            : [],
        history: this.deps.history,
        limits: this.deps.limits,
        saveTurn: async (turn) => {
          const saved = await db.prisma.turn.create({
            data: { ...turn, sessionId: session.id, endedAt: new Date() },
            select: { id: true },
          });
          if (turn.role === 'ASSISTANT' && unlinkedFlags.length > 0) {
            const flags = unlinkedFlags;
            unlinkedFlags = [];
            await Promise.all(flags.map((flagId) => this.deps.moderation.attachTurn(flagId, saved.id)));
          }
          return saved;
        },
        truncateTurn: async (turnId, heardText) => {
          await db.prisma.turn.update({
            where: { id: turnId },
            data: { text: heardText, interrupted: true },
          });
        },
        emit: (payload) => {
          this.deps.events
            .emit(session.id, payload)
            .catch((err) => log.error({ err }, 'failed to emit event'));
        },
      },
    );
    log.info({ persona: persona.name }, 'session live');
    return { session, runtime };
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
