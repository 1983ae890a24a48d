/**
 * One conversation with an avatar. It follows the session's events (resuming after a dropped connection from the
 * last event seen, so nothing is missed or repeated), keeps its short-lived session token fresh, streams the
 * microphone over the audio socket, plays the answer and drives the face on the audio clock.
 *
 * Barge-in: when the server hears the user start speaking over the avatar (`speech.started` on the audio socket),
 * playback stops at once and the client tells the server how much it had played, so the answer is remembered
 * exactly as far as it was heard.
 */
import { print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import type { AvatarClient } from './api-client';
import { AudioSocket, type AudioSocketState } from './audio/audio-socket';
import { Microphone, type MicrophoneOptions } from './audio/microphone';
import { base64ToBytes, pcm16ToFloat32 } from './audio/pcm';
import { type PlayedPosition, SpeechPlayer, type SpeechPlayerOptions } from './audio/player';
import { Emitter } from './emitter';
import { AvatarClientError, fromGraphqlErrors } from './errors';
import { type AudioClock, audioClock, type FaceListener, FaceScheduler } from './face/face-scheduler';
import type { ClientCreateSessionMutation, ClientSessionEventsSubscription } from './gql/graphql';
import {
  EndSessionMutation,
  InterruptMutation,
  RefreshSessionTokenMutation,
  SendTextMutation,
  SessionEventsSubscription,
} from './operations';
import { SyncMeter } from './sync-meter';

export type SessionEvent = ClientSessionEventsSubscription['sessionEvents'];
export type SessionEventOf<T extends SessionEvent['__typename']> = Extract<SessionEvent, { __typename: T }>;
export type SessionState = 'connecting' | 'live' | 'reconnecting' | 'ended';

export interface BargeIn extends PlayedPosition {
  /** performance.now() when playback was stopped. */
  stoppedAt: number;
}

interface SessionEvents extends Record<string, unknown> {
  /** Every session event, once, in order. */
  event: SessionEvent;
  state: SessionState;
  error: AvatarClientError;
  /** The user talked over the avatar and playback stopped here. */
  bargeIn: BargeIn;
  audioSocket: AudioSocketState;
}

export interface SessionOptions {
  /** Resume from this event (0: everything since the session began, e.g. a greeting said before subscribing). */
  afterSeq?: number;
}

export interface PlaybackOptions extends SpeechPlayerOptions {
  /** An AudioContext to play through (default: a new one; create it from a user gesture). */
  context?: AudioContext;
}

type SessionAccess = Pick<
  ClientCreateSessionMutation['createSession'],
  'sessionToken' | 'sessionTokenExpiresAt' | 'audioUrl' | 'graphqlUrl'
>;

const MAX_RESUME_DELAY_MS = 5000;

export class AvatarSession extends Emitter<SessionEvents> {
  readonly id: string;
  /** How to drive the avatar's rig: its profile's viseme or blendshape targets (JSON, see the API). */
  readonly rig: unknown;
  readonly persona: { id: string; name: string };
  #access: SessionAccess;
  #state: SessionState = 'connecting';
  #lastSeq: number;
  readonly #events: Client;
  #unsubscribe: (() => void) | null = null;
  #resumeTries = 0;
  #timers = new Set<ReturnType<typeof setTimeout>>();
  #audio: AudioSocket | null = null;
  #microphone: Microphone | null = null;
  #player: SpeechPlayer | null = null;
  /** The AudioContext startPlayback made (one passed in stays the caller's). */
  #ownContext: AudioContext | null = null;
  #face: FaceScheduler | null = null;
  /** The playback context's clock, which the player and the face share. */
  #clock: AudioClock | null = null;
  #animation: number | null = null;
  /** Blendshape frames that arrived before their answer's audio was scheduled. */
  #pendingFrames: SessionEventOf<'BlendshapeFrames'>[] = [];
  /** Offsets between the face frame shown and the audio heard. */
  readonly sync = new SyncMeter();

  constructor(
    private readonly client: AvatarClient,
    created: ClientCreateSessionMutation['createSession'],
    opts: SessionOptions = {},
  ) {
    super();
    this.id = created.session.id;
    this.rig = created.session.rig;
    this.persona = created.session.persona;
    this.#access = created;
    this.#lastSeq = opts.afterSeq ?? 0;
    this.#events = createClient({
      url: created.graphqlUrl,
      webSocketImpl: client.WebSocket,
      // Read at each (re)connection, so a refreshed token is used.
      connectionParams: () => ({ authorization: `Bearer ${this.#access.sessionToken}` }),
      lazy: true,
      // Resuming is ours: each new subscription asks for the events after the last one seen.
      retryAttempts: 0,
    });
    this.#subscribe();
    this.#scheduleTokenRefresh();
  }

  get state(): SessionState {
    return this.#state;
  }

  /** The seq of the last event received: where a resumed subscription starts. */
  get lastSeq(): number {
    return this.#lastSeq;
  }

  get player(): SpeechPlayer | null {
    return this.#player;
  }

  get face(): FaceScheduler | null {
    return this.#face;
  }

  get audioSocket(): AudioSocket | null {
    return this.#audio;
  }

  /** Types a message to the avatar (answered through the same events as speech). */
  async sendText(text: string): Promise<string> {
    const result = await this.client.request(SendTextMutation, { sessionId: this.id, text });
    return result.sendText.utteranceId;
  }

  /** Stops the avatar now; the server keeps only what this client played of the answer. */
  async interrupt(): Promise<boolean> {
    const played = this.#stopPlayback();
    if (played && this.#audio?.interrupt(played)) return true;
    const result = await this.client.request(InterruptMutation, {
      sessionId: this.id,
      playedMs: played?.playedMs,
      responseId: played?.responseId,
    });
    return result.interrupt.interrupted;
  }

  /** Ends the session for everyone and releases what this client holds. */
  async end(): Promise<void> {
    try {
      await this.client.request(EndSessionMutation, { id: this.id });
    } finally {
      await this.close();
    }
  }

  /** Releases this client's sockets, microphone and audio without ending the session (another tab may go on). */
  async close(): Promise<void> {
    this.#setState('ended');
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#unsubscribe?.();
    await this.#events.dispose();
    await this.stopMicrophone();
    this.#audio?.close();
    this.#audio = null;
    if (this.#animation !== null) cancelAnimationFrame(this.#animation);
    this.#animation = null;
    this.#player?.stop();
    await this.#ownContext?.close().catch(() => undefined);
    this.#ownContext = null;
  }

  /**
   * Plays answers through Web Audio and drives the face on the same clock. Call it from a user gesture (browsers
   * start audio only then). `onFace` receives the 52 named weights at every animation frame.
   */
  startPlayback(opts: PlaybackOptions & { onFace?: FaceListener } = {}): SpeechPlayer {
    if (this.#player) return this.#player;
    if (typeof AudioContext === 'undefined' && !opts.context) {
      throw new AvatarClientError('AUDIO_UNSUPPORTED', 'Playback needs Web Audio (a browser)');
    }
    const context = opts.context ?? new AudioContext();
    if (!opts.context) this.#ownContext = context;
    // Refused outside a user gesture; startMicrophone (a gesture too, usually) tries again.
    context.resume().catch(() => undefined);
    this.#player = new SpeechPlayer(context, opts);
    this.#clock = audioClock(context);
    this.#face = new FaceScheduler(this.#clock);
    this.#face.onFrame((_weights, info) => {
      if (info.offsetMs !== null) this.sync.add(info.offsetMs);
    });
    if (opts.onFace) this.#face.onFrame(opts.onFace);
    const animate = (now: number) => {
      this.#face?.tick(now);
      this.#animation = requestAnimationFrame(animate);
    };
    this.#animation = requestAnimationFrame(animate);
    return this.#player;
  }

  /** Streams the microphone to the avatar (browser). Fails with MICROPHONE_DENIED when the user says no. */
  async startMicrophone(opts: Omit<MicrophoneOptions, 'onAudio'> = {}): Promise<Microphone> {
    if (this.#microphone) return this.#microphone;
    this.#player?.context.resume().catch(() => undefined);
    const audio = this.openAudioSocket();
    const microphone = await Microphone.open({ ...opts, onAudio: (pcm) => audio.sendAudio(pcm) });
    this.#microphone = microphone;
    audio.start(microphone.sampleRate);
    return microphone;
  }

  async stopMicrophone(): Promise<void> {
    const microphone = this.#microphone;
    this.#microphone = null;
    this.#audio?.stop();
    await microphone?.close();
  }

  /** The audio socket, opened on first use: stream your own PCM16 through it (e.g. from Node). */
  openAudioSocket(): AudioSocket {
    if (this.#audio) return this.#audio;
    const audio = new AudioSocket({
      url: this.#access.audioUrl,
      token: () => this.#access.sessionToken,
      WebSocket: this.client.WebSocket,
    });
    audio.on('state', (state) => this.emit('audioSocket', state));
    audio.on('error', (err) => this.emit('error', err));
    audio.on('message', (message) => {
      if (message.type === 'speech.started' && this.#player?.playing) this.#bargeIn();
      if (message.type === 'session.ended') this.#ended();
    });
    this.#audio = audio;
    return audio;
  }

  #bargeIn(): void {
    const played = this.#stopPlayback();
    if (!played) return;
    this.#audio?.interrupt(played);
    this.emit('bargeIn', { ...played, stoppedAt: performance.now() });
  }

  #stopPlayback(responseId?: string): PlayedPosition | null {
    const played = this.#player?.stop(responseId) ?? null;
    if (played) this.#face?.clear();
    return played;
  }

  #subscribe(): void {
    if (this.#state === 'ended') return;
    this.#unsubscribe = this.#events.subscribe<ClientSessionEventsSubscription>(
      { query: print(SessionEventsSubscription), variables: { sessionId: this.id, afterSeq: this.#lastSeq } },
      {
        next: ({ data, errors }) => {
          if (errors?.length) return this.#failed(fromGraphqlErrors(errors));
          if (data) this.#receive(data.sessionEvents);
        },
        error: (err) => this.#failed(err),
        complete: () => this.#ended(),
      },
    );
  }

  #receive(event: SessionEvent): void {
    // A resumed subscription may repeat what was already seen; seq orders and de-duplicates.
    if (event.seq <= this.#lastSeq) return;
    this.#lastSeq = event.seq;
    this.#resumeTries = 0;
    this.#setState('live');
    this.#render(event);
    this.emit('event', event);
    if (event.__typename === 'SessionEnded') this.#ended();
  }

  #render(event: SessionEvent): void {
    const player = this.#player;
    if (!player) return;
    switch (event.__typename) {
      case 'SpeechChunk':
        player.enqueue({
          responseId: event.responseId,
          startMs: event.startMs,
          sampleRate: event.sampleRate,
          samples: pcm16ToFloat32(base64ToBytes(event.audio)),
        });
        this.#placeCues(event);
        this.#placeFrames();
        return;
      case 'BlendshapeFrames':
        this.#pendingFrames.push(event);
        this.#placeFrames();
        return;
      case 'Interrupted':
        this.#stopPlayback(event.responseId);
        return;
    }
  }

  /** The chunk's viseme cues (ms from the chunk's start) on the audio clock, like its frames. */
  #placeCues(chunk: SessionEventOf<'SpeechChunk'>): void {
    const origin = this.#player?.timeOf(chunk.responseId, chunk.startMs);
    if (origin == null || !this.#face || chunk.visemes.length === 0) return;
    const heard = this.#clock!.heardAt(performance.now());
    this.#face.addCues(
      chunk.visemes.map((cue) => ({
        viseme: cue.viseme,
        weight: cue.weight,
        start: origin + cue.startMs / 1000,
        end: origin + cue.endMs / 1000,
      })),
      heard,
    );
  }

  /** Blendshape frames go on the face's schedule once their answer's audio has a place on the audio clock. */
  #placeFrames(): void {
    const player = this.#player;
    const face = this.#face;
    if (!player || !face) return;
    const heard = this.#clock!.heardAt(performance.now());
    const waiting: SessionEventOf<'BlendshapeFrames'>[] = [];
    for (const event of this.#pendingFrames) {
      const origin = player.timeOf(event.responseId, 0);
      if (origin === null) {
        // Not scheduled yet: keep it for the answer being played or about to be; drop older answers' frames.
        if (event.responseId !== player.responseId && player.responseId !== null) continue;
        waiting.push(event);
        continue;
      }
      face.add(
        event.frames.map((frame) => ({
          start: origin + frame.sampleStart / event.sampleRate,
          end: origin + frame.sampleEnd / event.sampleRate,
          weights: frame.weights,
        })),
        heard,
      );
    }
    // Bounded: a server sending frames for answers that never play cannot grow this.
    this.#pendingFrames = waiting.slice(-64);
  }

  #failed(err: unknown): void {
    if (this.#state === 'ended') return;
    const error = eventsError(err);
    if (!error.retryable && error.code !== 'NETWORK' && error.code !== 'UNAUTHENTICATED') {
      this.emit('error', error);
      return;
    }
    this.#setState('reconnecting');
    const delay = Math.min(MAX_RESUME_DELAY_MS, 200 * 2 ** this.#resumeTries++);
    this.#later(delay, async () => {
      // A long outage may have outlived the session token: get a fresh one before resuming.
      if (this.#resumeTries > 2 || error.code === 'UNAUTHENTICATED')
        await this.refreshToken().catch(() => {});
      this.#subscribe();
    });
  }

  /** Asks for a new session token (with the user's access token); sockets use it from their next connection. */
  async refreshToken(): Promise<void> {
    const { refreshSessionToken } = await this.client.request(RefreshSessionTokenMutation, {
      sessionId: this.id,
    });
    this.#access = refreshSessionToken;
    this.#scheduleTokenRefresh();
  }

  #scheduleTokenRefresh(): void {
    const left = Date.parse(this.#access.sessionTokenExpiresAt) - Date.now();
    if (!Number.isFinite(left)) return;
    // At 70% of its life, so a slow or failed refresh still has time to be retried.
    this.#later(Math.max(1000, left * 0.7), () =>
      this.refreshToken().catch((err: unknown) => {
        if (this.#state !== 'ended') this.emit('error', asClientError(err));
        this.#later(5000, () => this.#scheduleTokenRefresh());
      }),
    );
  }

  #later(ms: number, fn: () => void | Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      Promise.resolve()
        .then(fn)
        .catch((err: unknown) => this.emit('error', asClientError(err)));
    }, ms);
    this.#timers.add(timer);
  }

  #ended(): void {
    if (this.#state === 'ended') return;
    this.close().catch((err: unknown) => this.emit('error', asClientError(err)));
  }

  #setState(state: SessionState): void {
    if (this.#state === state || this.#state === 'ended') return;
    this.#state = state;
    this.emit('state', state);
  }
}

/** What the events connection failed with: a GraphQL error as sent, a refused token, or a lost connection. */
function eventsError(err: unknown): AvatarClientError {
  if (err instanceof AvatarClientError) return err;
  if (Array.isArray(err)) return fromGraphqlErrors(err);
  const code = (err as { code?: number })?.code;
  // graphql-ws closes with 4401/4403 when the connection's token is refused (e.g. it expired).
  if (code === 4401 || code === 4403) return new AvatarClientError('UNAUTHENTICATED', describe(err), true);
  return new AvatarClientError('NETWORK', `Session events connection lost: ${describe(err)}`, true);
}

function asClientError(err: unknown): AvatarClientError {
  return err instanceof AvatarClientError ? err : new AvatarClientError('NETWORK', describe(err), true);
}

function describe(err: unknown): string {
  if (err instanceof Error) return err.message;
  if (Array.isArray(err)) return err.map((e: { message?: string }) => e.message).join('; ');
  const close = err as { code?: number; reason?: string };
  return close?.code ? `closed ${close.code} ${close.reason ?? ''}`.trim() : String(err);
}
