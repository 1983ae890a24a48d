import { AppError, ForbiddenError } from '../errors';
import type { Session } from '../generated/prisma/client';
import type { LiveSession, RealtimeHub } from '../realtime/hub';
import type { ClientChannel, ConversationHistory, MicrophoneSink } from '../realtime/ports';
import type { SessionLifecycle } from './session-lifecycle';
import type { SessionService } from './sessions';
import type { TokenService, Viewer } from './tokens';

/**
 * The live conversation as the API's clients drive it (GraphQL mutations, the audio socket): checks who may
 * do what, reads the session once, and hands the realtime hub plain data. It also knows the clients connected to
 * each session on this node, and when a session ends, frees everything held for it and tells them.
 */
export class ConversationService {
  /** The microphone clients of each session on this node. */
  private readonly microphones = new Map<string, Set<ClientChannel>>();

  constructor(
    private readonly deps: {
      hub: Pick<RealtimeHub, 'sendText' | 'greet' | 'interrupt' | 'openMicrophone' | 'close'>;
      sessions: SessionService;
      tokens: TokenService;
      history: ConversationHistory;
      lifecycle: Pick<SessionLifecycle, 'connected' | 'disconnected' | 'forget'>;
      /** Per-session counters held in memory (turn and token limits). */
      limits?: { forget(sessionId: string): Promise<void> };
    },
  ) {}

  /** Audio socket sign-in: only a session token opens a session's microphone. */
  async authenticateAudio(token: string): Promise<LiveSession> {
    const viewer = await this.deps.tokens.verify(token);
    if (viewer.scope !== 'session' || !viewer.sessionId) {
      throw new ForbiddenError('The audio socket needs the session token from createSession');
    }
    return this.deps.sessions.getLive(viewer, viewer.sessionId);
  }

  /** A client's microphone stream; the session counts the client as connected until the sink closes. */
  async openMicrophone(live: LiveSession, client: ClientChannel): Promise<MicrophoneSink> {
    const sink = await this.deps.hub.openMicrophone(live, client);
    const sessionId = live.session.id;
    const clients = this.microphones.get(sessionId) ?? new Set();
    this.microphones.set(sessionId, clients);
    clients.add(client);
    const release = this.connect(sessionId);
    return {
      start: (utteranceId, sampleRate) => sink.start(utteranceId, sampleRate),
      audio: (pcm) => sink.audio(pcm),
      endTurn: () => sink.endTurn(),
      interrupt: () => sink.interrupt(),
      vadHint: (speaking) => sink.vadHint(speaking),
      close: async () => {
        clients.delete(client);
        if (clients.size === 0) this.microphones.delete(sessionId);
        release();
        await sink.close();
      },
    };
  }

  /** A client follows the session (event subscription): it counts as connected until the returned release. */
  connect(sessionId: string): () => void {
    this.deps.lifecycle.connected(sessionId);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.deps.lifecycle.disconnected(sessionId);
    };
  }

  /** Typed text into the same path as recognised speech; the answer arrives as session events. */
  async sendText(viewer: Viewer | null, sessionId: string, text: string): Promise<{ utteranceId: string }> {
    return this.deps.hub.sendText(await this.deps.sessions.getLive(viewer, sessionId), text);
  }

  /** The persona's greeting, said once the session is live. */
  async greet(viewer: Viewer | null, sessionId: string): Promise<void> {
    await this.deps.hub.greet(await this.deps.sessions.getLive(viewer, sessionId));
  }

  /** Stops the avatar mid-answer; false when it was not speaking. */
  async interrupt(viewer: Viewer | null, sessionId: string): Promise<boolean> {
    const { session } = await this.deps.sessions.getLive(viewer, sessionId);
    return this.deps.hub.interrupt(session.id);
  }

  /** Ends the session for a client. */
  async end(viewer: Viewer | null, sessionId: string): Promise<Session> {
    const ended = await this.deps.sessions.end(viewer, sessionId);
    await this.release(ended.id, ended.endReason ?? 'ended by client');
    return ended;
  }

  /** Ends a session the platform decided to end (idle, too long, clients gone). */
  async endBySystem(sessionId: string, reason: string): Promise<void> {
    try {
      await this.deps.sessions.endBySystem(sessionId, reason);
    } catch (err) {
      // Someone else ended it first: what this node holds for it still goes.
      if (!(err instanceof AppError && err.code === 'SESSION_ENDED')) throw err;
    }
    await this.release(sessionId, reason);
  }

  /** Frees what this node held for an ended session and tells its microphone clients why it ended. */
  private async release(sessionId: string, reason: string): Promise<void> {
    this.deps.lifecycle.forget(sessionId);
    await this.deps.hub.close(sessionId);
    await this.deps.history.clear(sessionId);
    await this.deps.limits?.forget(sessionId);
    for (const client of this.microphones.get(sessionId) ?? []) client.sessionEnded(reason);
  }
}
