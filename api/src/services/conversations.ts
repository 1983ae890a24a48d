import type { SessionEventLog } from '../db/event-log';
import type { TurnRepository } from '../db/turn-repository';
import { AppError, ForbiddenError } from '../errors';
import type { Session } from '../generated/prisma/client';
import type { LiveSession, RealtimeHub } from '../realtime/hub';
import { heardTextAt } from '../realtime/playback';
import type {
  ClientChannel,
  ConversationHistory,
  EventSink,
  MicrophoneSink,
  PlayedReport,
} from '../realtime/ports';
import { type NodeCommand, NodeGoneError } from './node-commands';
import type { SessionLifecycle } from './session-lifecycle';
import type { Owner, SessionOwnership } from './session-ownership';
import type { SessionService } from './sessions';
import type { TokenService, Viewer } from './tokens';

/**
 * The live conversation as the API's clients drive it (GraphQL mutations, the audio socket): checks who may
 * do what, reads the session once, and hands the realtime hub plain data. It also knows the clients connected to
 * each session on this node, and when a session ends, frees everything held for it and tells them.
 *
 * With several nodes, one owns each session's conversation: a command that arrives elsewhere is run on the
 * owner (its result or typed error comes back), the audio socket moves ownership to its node, and a dead
 * owner's session is taken over by the next command, closing its unfinished answer at what was heard.
 */
export class ConversationService {
  /** The microphone clients of each session on this node. */
  private readonly microphones = new Map<string, Set<ClientChannel>>();
  /** The fence this node last raised in the database for each session it owns. */
  private readonly raisedFences = new Map<string, number>();

  constructor(
    private readonly deps: {
      hub: Pick<
        RealtimeHub,
        'sendText' | 'sendImage' | 'greet' | 'interrupt' | 'setPersona' | 'openMicrophone' | 'close'
      >;
      sessions: SessionService;
      tokens: TokenService;
      history: ConversationHistory;
      lifecycle: Pick<SessionLifecycle, 'connected' | 'disconnected' | 'forget'>;
      /** Per-session counters held in memory (turn and token limits). */
      limits?: { forget(sessionId: string): Promise<void> };
      ownership: SessionOwnership;
      /** Runs a command on another node (absent on a single node). */
      remote?: { send(node: string, command: NodeCommand): Promise<unknown> };
      /** For a takeover: the dead owner's last answer, and where to close it. */
      log: Pick<SessionEventLog, 'lastResponse'>;
      events: EventSink;
      turns: Pick<TurnRepository, 'settleDanglingAnswer' | 'raiseFence'>;
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
    const sessionId = live.session.id;
    const owner = await this.moveHere(sessionId);
    const sink = await this.deps.hub.openMicrophone(this.asOwner(live, owner), client);
    const clients = this.microphones.get(sessionId) ?? new Set();
    this.microphones.set(sessionId, clients);
    clients.add(client);
    const release = this.connect(sessionId);
    return {
      start: (utteranceId, sampleRate, options) => sink.start(utteranceId, sampleRate, options),
      audio: (pcm) => sink.audio(pcm),
      endTurn: () => sink.endTurn(),
      interrupt: (played) => sink.interrupt(played),
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

  /**
   * Typed text into the same path as recognised speech; the answer arrives as session events. `traceparent`:
   * the trace of the request that sent it, which the turn continues (on whichever node owns the session).
   */
  async sendText(
    viewer: Viewer | null,
    sessionId: string,
    text: string,
    traceparent?: string,
  ): Promise<{ utteranceId: string }> {
    const live = await this.deps.sessions.getLive(viewer, sessionId);
    return (await this.onOwner(live.session.id, { kind: 'sendText', live, text, traceparent })) as {
      utteranceId: string;
    };
  }

  /** The persona's greeting, said once the session is live. */
  async greet(viewer: Viewer | null, sessionId: string): Promise<void> {
    const live = await this.deps.sessions.getLive(viewer, sessionId);
    await this.onOwner(live.session.id, { kind: 'greet', live });
  }

  /** An image the model sees with the user's next turn. */
  async sendImage(
    viewer: Viewer | null,
    sessionId: string,
    image: { mimeType: string; data: Buffer },
  ): Promise<void> {
    const live = await this.deps.sessions.getLive(viewer, sessionId);
    // Commands to another node travel as JSON: the image as base64.
    const encoded = { mimeType: image.mimeType, base64: image.data.toString('base64') };
    await this.onOwner(live.session.id, { kind: 'sendImage', live, image: encoded });
  }

  /** Another persona from the next turn on (the session's own record changes now). */
  async setPersona(viewer: Viewer | null, sessionId: string, personaId: string): Promise<void> {
    const live = await this.deps.sessions.switchPersona(viewer, sessionId, personaId);
    await this.onOwner(live.session.id, { kind: 'setPersona', live });
  }

  /** Stops the avatar mid-answer; false when it was not speaking. */
  async interrupt(viewer: Viewer | null, sessionId: string, played?: PlayedReport): Promise<boolean> {
    const { session } = await this.deps.sessions.getLive(viewer, sessionId);
    return (await this.onOwner(session.id, { kind: 'interrupt', sessionId: session.id, played })) as boolean;
  }

  /** Ends the session for a client. */
  async end(viewer: Viewer | null, sessionId: string): Promise<Session> {
    const ended = await this.deps.sessions.end(viewer, sessionId);
    await this.releaseOnOwner(ended.id, ended.endReason ?? 'ended by client');
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
    await this.releaseOnOwner(sessionId, reason);
  }

  /** Runs a command from another node: this node owns the session (or takes it over, its owner being dead). */
  async runHere(command: NodeCommand): Promise<unknown> {
    if (command.kind === 'release') {
      await this.releaseHere(command.sessionId);
      return true;
    }
    if (command.kind === 'ended') {
      await this.release(command.sessionId, command.reason);
      return true;
    }
    const sessionId = command.kind === 'interrupt' ? command.sessionId : command.live.session.id;
    const owner = await this.claim(sessionId);
    if (!owner.mine) {
      throw new AppError('UNAVAILABLE', 'The session moved to another node; try again', { retryable: true });
    }
    switch (command.kind) {
      case 'sendText':
        return this.deps.hub.sendText(this.asOwner(command.live, owner), command.text, command.traceparent);
      case 'greet':
        return this.deps.hub.greet(this.asOwner(command.live, owner));
      case 'setPersona':
        return this.deps.hub.setPersona(this.asOwner(command.live, owner));
      case 'sendImage':
        return this.deps.hub.sendImage(this.asOwner(command.live, owner), {
          mimeType: command.image.mimeType,
          data: Buffer.from(command.image.base64, 'base64'),
        });
      case 'interrupt':
        return this.deps.hub.interrupt(sessionId, command.played);
    }
  }

  /** This node lost the session to another (its lease was not renewed in time): stop running it here. */
  async lost(sessionId: string): Promise<void> {
    this.raisedFences.delete(sessionId);
    await this.deps.hub.close(sessionId);
    for (const client of this.microphones.get(sessionId) ?? [])
      client.reconnect('the session moved to another node');
  }

  /** Runs a command where the session lives: here when this node owns it, else on its owner. */
  private async onOwner(sessionId: string, command: NodeCommand): Promise<unknown> {
    const owner = await this.claim(sessionId);
    if (owner.mine || !this.deps.remote) return this.runHere(command);
    try {
      return await this.deps.remote.send(owner.node, command);
    } catch (err) {
      // Nobody listens on the owner's channel: its process is gone, so the session is taken over here.
      if (!(err instanceof NodeGoneError)) throw err;
      await this.claim(sessionId, { move: true });
      return this.runHere(command);
    }
  }

  /** The audio socket connected here: the conversation moves to this node, its old owner letting it go first. */
  private async moveHere(sessionId: string): Promise<Owner> {
    const owner = await this.claim(sessionId);
    if (owner.mine || !this.deps.remote) return owner;
    await this.deps.remote.send(owner.node, { kind: 'release', sessionId }).catch(() => undefined);
    return this.claim(sessionId, { move: true });
  }

  /**
   * Claims the session. A new ownership raises the session's fence in the database first, so the node it was
   * taken from can store no more turns; when it was taken from a dead node, the answer that node left unfinished
   * is closed.
   */
  private async claim(sessionId: string, opts: { move?: boolean } = {}): Promise<Owner> {
    const owner = await this.deps.ownership.claim(sessionId, opts);
    if (owner.mine && owner.fence > (this.raisedFences.get(sessionId) ?? 0)) {
      await this.deps.turns.raiseFence(sessionId, owner.fence);
      this.raisedFences.set(sessionId, owner.fence);
    }
    if (owner.mine && owner.tookOverFrom) await this.closeDanglingAnswer(sessionId, owner);
    return owner;
  }

  /** The session as this node's ownership writes it: its events carry the writer token, its turns the fence. */
  private asOwner(live: LiveSession, owner: Owner): LiveSession {
    const writer = this.deps.ownership.writerToken(owner);
    // Fence 0 is a single node's: nobody to fence off, so turns are written without the check.
    return owner.fence > 0 ? { ...live, writer, fence: owner.fence } : { ...live, writer };
  }

  /**
   * The answer a dead owner was giving ends as interrupted at what the user heard: its audio played in real time
   * from its first chunk, so what had played by now was heard. The stored turn and the history keep only that,
   * and hold it even when the owner died before storing the answer (or before it was all produced).
   */
  private async closeDanglingAnswer(sessionId: string, owner: Owner): Promise<void> {
    const last = await this.deps.log.lastResponse(sessionId);
    if (!last || last.closed) return;
    const playedMs = last.startedAt === null ? 0 : Math.max(0, Date.now() - last.startedAt);
    if (last.done && playedMs >= last.durationMs) return;
    const heardText = heardTextAt(last.segments, playedMs);
    this.deps.events.emit(
      sessionId,
      {
        type: 'Interrupted',
        responseId: last.responseId,
        heardText,
        playedMs: Math.min(playedMs, last.durationMs),
      },
      this.deps.ownership.writerToken(owner),
    );
    const fence = owner.fence > 0 ? owner.fence : undefined;
    const settled = await this.deps.turns.settleDanglingAnswer(
      sessionId,
      { utteranceId: last.utteranceId, heardText },
      fence,
    );
    if (settled === 'truncated') await this.deps.history.truncateLastAssistant(sessionId, heardText);
    else if (heardText) await this.deps.history.append(sessionId, { role: 'assistant', text: heardText });
  }

  /** Gives the session up to another node: the answer in progress stops at what was heard. */
  private async releaseHere(sessionId: string): Promise<void> {
    this.raisedFences.delete(sessionId);
    await this.deps.hub.interrupt(sessionId);
    await this.deps.hub.close(sessionId);
    await this.deps.ownership.release(sessionId);
  }

  /** An ended session is freed here, and on its owner when that is another node (a gone one holds nothing). */
  private async releaseOnOwner(sessionId: string, reason: string): Promise<void> {
    const owner = await this.deps.ownership.claim(sessionId);
    if (!owner.mine && this.deps.remote) {
      await this.deps.remote.send(owner.node, { kind: 'ended', sessionId, reason }).catch((err: unknown) => {
        if (!(err instanceof NodeGoneError)) throw err;
      });
    }
    await this.release(sessionId, reason);
  }

  /** Frees what this node held for an ended session and tells its microphone clients why it ended. */
  private async release(sessionId: string, reason: string): Promise<void> {
    this.raisedFences.delete(sessionId);
    this.deps.lifecycle.forget(sessionId);
    await this.deps.hub.close(sessionId);
    await this.deps.ownership.release(sessionId);
    await this.deps.history.clear(sessionId);
    await this.deps.limits?.forget(sessionId);
    for (const client of this.microphones.get(sessionId) ?? []) client.sessionEnded(reason);
  }
}
