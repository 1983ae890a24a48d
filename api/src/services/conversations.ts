import { ForbiddenError } from '../errors';
import type { Session } from '../generated/prisma/client';
import type { LiveSession, RealtimeHub } from '../realtime/hub';
import type { ClientChannel, ConversationHistory, MicrophoneSink } from '../realtime/ports';
import type { SessionService } from './sessions';
import type { TokenService, Viewer } from './tokens';

/**
 * The live conversation as the API's clients drive it (GraphQL mutations, the audio socket): checks who may
 * do what, reads the session once, and hands the realtime hub plain data.
 */
export class ConversationService {
  constructor(
    private readonly deps: {
      hub: Pick<RealtimeHub, 'sendText' | 'greet' | 'interrupt' | 'openMicrophone' | 'close'>;
      sessions: SessionService;
      tokens: TokenService;
      history: ConversationHistory;
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

  openMicrophone(live: LiveSession, client: ClientChannel): Promise<MicrophoneSink> {
    return this.deps.hub.openMicrophone(live, client);
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

  /** Ends the session, stops its runtime and frees what was held for it. */
  async end(viewer: Viewer | null, sessionId: string): Promise<Session> {
    const ended = await this.deps.sessions.end(viewer, sessionId);
    await this.deps.hub.close(ended.id);
    await this.deps.history.clear(ended.id);
    return ended;
  }
}
