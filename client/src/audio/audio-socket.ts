/**
 * The client side of the audio socket (`avatar-audio.v1`): control messages as JSON text, microphone audio as
 * binary PCM16LE frames. It reconnects by itself when the connection drops or the server moves the session to
 * another node (close 1012), and starts the stream again at the same rate; it stops for good when the session
 * ended (1000) or the server refused the client as broken (1008).
 */
import { Emitter } from '../emitter';
import { AvatarClientError } from '../errors';

export const AUDIO_SUBPROTOCOL = 'avatar-audio.v1';

/** The messages the server sends on the audio socket. */
export type AudioServerMessage =
  | { type: 'ready'; sessionId: string; sampleRates: number[]; maxFrameBytes: number }
  | { type: 'audio.started'; utteranceId: string; sampleRate: number }
  | { type: 'turn.ended'; utteranceId: string | null }
  | { type: 'interrupted' }
  | { type: 'speech.started'; utteranceId: string; atMs: number }
  | { type: 'speech.ended'; utteranceId: string; atMs: number; endOfTurn: boolean }
  | { type: 'session.ended'; reason: string }
  | { type: 'reconnect'; reason: string }
  | { type: 'error'; code: string; message: string };

export type AudioSocketState = 'connecting' | 'open' | 'reconnecting' | 'closed';

interface AudioSocketEvents extends Record<string, unknown> {
  message: AudioServerMessage;
  state: AudioSocketState;
  error: AvatarClientError;
}

export interface AudioSocketOptions {
  /** The session's audio URL (`createSession.audioUrl`). */
  url: string;
  /** The current session token; asked again before each reconnect, so a refreshed one is used. */
  token: () => string | Promise<string>;
  WebSocket?: typeof WebSocket;
  /** First reconnect delay; doubles per failed try up to 5 s. */
  reconnectDelayMs?: number;
}

const CLOSE_NORMAL = 1000;
const CLOSE_POLICY = 1008;
const MAX_RECONNECT_DELAY_MS = 5000;

export class AudioSocket extends Emitter<AudioSocketEvents> {
  #ws: WebSocket | null = null;
  #state: AudioSocketState = 'connecting';
  #stream: { sampleRate: number } | null = null;
  #tries = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  readonly #WebSocket: typeof WebSocket;

  constructor(private readonly opts: AudioSocketOptions) {
    super();
    const Impl = opts.WebSocket ?? globalThis.WebSocket;
    if (!Impl) {
      throw new AvatarClientError('AUDIO_UNSUPPORTED', 'No WebSocket here: pass one (e.g. the `ws` package)');
    }
    this.#WebSocket = Impl;
    this.#start();
  }

  get state(): AudioSocketState {
    return this.#state;
  }

  /** Starts (or restarts) the microphone stream at `sampleRate`; it is started again after a reconnect. */
  start(sampleRate: number): void {
    this.#stream = { sampleRate };
    this.#sendStart();
  }

  /** One frame of PCM16LE mono at the started rate. Dropped while the socket is reconnecting. */
  sendAudio(pcm16: Uint8Array): void {
    if (this.#stream && this.#ws?.readyState === 1) this.#ws.send(pcm16);
  }

  /** Stops the avatar; `played` tells the server where this client's playback stopped. */
  interrupt(played?: { responseId: string; playedMs: number }): boolean {
    return this.#send({ type: 'interrupt', ...played });
  }

  /** Stops the stream; the socket stays open for control messages. */
  stop(): void {
    this.#stream = null;
  }

  close(): void {
    this.#setState('closed');
    if (this.#timer) clearTimeout(this.#timer);
    this.#closeSocket(CLOSE_NORMAL, 'client closed');
    this.#ws = null;
  }

  /** Drops the connection as a network failure would (tests and "reconnect now" buttons). */
  drop(): void {
    this.#closeSocket(4000, 'dropped by the client');
  }

  #closeSocket(code: number, reason: string): void {
    try {
      this.#ws?.close(code, reason);
    } catch {
      // Node's `ws` throws when closing a socket still connecting; browsers just abort it.
      (this.#ws as { terminate?: () => void } | null)?.terminate?.();
    }
  }

  #send(message: Record<string, unknown>): boolean {
    if (this.#ws?.readyState !== 1) return false;
    this.#ws.send(JSON.stringify(message));
    return true;
  }

  #sendStart(): void {
    if (!this.#stream) return;
    // playbackReports: this client says where its playback stopped when the user talks over the avatar.
    this.#send({
      type: 'audio.start',
      sampleRate: this.#stream.sampleRate,
      encoding: 'pcm16',
      playbackReports: true,
    });
  }

  #setState(state: AudioSocketState): void {
    if (this.#state === state || this.#state === 'closed') return;
    this.#state = state;
    this.emit('state', state);
  }

  async #connect(): Promise<void> {
    let token: string;
    try {
      token = await this.opts.token();
    } catch (err) {
      this.emit('error', new AvatarClientError('UNAUTHENTICATED', `No session token: ${String(err)}`, true));
      return this.#retry();
    }
    if (this.#state === 'closed') return;
    // The token rides in a subprotocol, not the URL, so it stays out of proxies' access logs.
    const ws = new this.#WebSocket(this.opts.url, [AUDIO_SUBPROTOCOL, `bearer.${token}`]);
    ws.binaryType = 'arraybuffer';
    this.#ws = ws;
    // A failed connection is followed by `close`, which decides what next (Node's ws would throw without this).
    ws.onerror = () => {};
    ws.onmessage = (event) => {
      if (typeof event.data !== 'string') return;
      let message: AudioServerMessage;
      try {
        message = JSON.parse(event.data) as AudioServerMessage;
      } catch {
        return;
      }
      if (message.type === 'ready') {
        this.#tries = 0;
        this.#setState('open');
        this.#sendStart();
      }
      if (message.type === 'error') {
        this.emit(
          'error',
          new AvatarClientError('AUDIO_PROTOCOL', message.message, false, { code: message.code }),
        );
      }
      this.emit('message', message);
    };
    ws.onclose = (event) => {
      if (this.#ws !== ws) return;
      this.#ws = null;
      if (this.#state === 'closed') return;
      if (event.code === CLOSE_NORMAL || event.code === CLOSE_POLICY) {
        this.emit(
          'error',
          new AvatarClientError('AUDIO_SOCKET_CLOSED', event.reason || `closed (${event.code})`, false, {
            closeCode: event.code,
          }),
        );
        this.#setState('closed');
        return;
      }
      this.#retry();
    };
  }

  /** One connection attempt; one that cannot even start (e.g. a malformed URL) is an error, then retried. */
  #start(): void {
    this.#connect().catch((err: unknown) => {
      this.emit('error', new AvatarClientError('NETWORK', `Audio socket: ${String(err)}`, true));
      this.#retry();
    });
  }

  #retry(): void {
    if (this.#state === 'closed') return;
    this.#setState('reconnecting');
    const base = this.opts.reconnectDelayMs ?? 250;
    const delay = Math.min(MAX_RECONNECT_DELAY_MS, base * 2 ** this.#tries++);
    this.#timer = setTimeout(() => this.#start(), delay);
  }
}
