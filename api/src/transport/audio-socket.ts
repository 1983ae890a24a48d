import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import { type RawData, WebSocket, WebSocketServer } from 'ws';
import { SUPPORTED_INPUT_RATES } from '../domain/audio';
import type { SessionEvent } from '../domain/session-events';
import { AppError } from '../errors';
import type { ClientChannel, MicrophoneSink } from '../realtime/ports';
import {
  AUDIO_SUBPROTOCOL,
  BEARER_SUBPROTOCOL_PREFIX,
  BoundedAudioQueue,
  CLOSE_CODES,
  type ClientMessage,
  DEFAULT_MAX_FRAME_BYTES,
  DEFAULT_MAX_TEXT_BYTES,
  decodeAudioFrame,
  decodeTextMessage,
  type ProtocolError,
  type QueuedInput,
  type ServerMessage,
} from './audio-protocol';
import { rejectUpgrade } from './http-errors';
import { SyncFramer } from './sync-frames';

/** Who is on the other end of a socket, as `authenticate` resolved it. */
export interface AudioSession {
  sessionId: string;
}

export interface AudioSocketOptions<S extends AudioSession = AudioSession> {
  /** Resolves the token to a session; throws AppError (UNAUTHENTICATED, FORBIDDEN, ...) to refuse. */
  authenticate(token: string): Promise<S>;
  /** The realtime pipeline's sink for this socket's microphone, and its channel back to the client. */
  openSink(session: S, client: ClientChannel): Promise<MicrophoneSink>;
  /** Counts the socket against its user's limit; rejects (RATE_LIMITED) to refuse it before it opens. */
  admit?(session: S): Promise<void>;
  /** The socket admitted for `session` is gone. */
  release?(session: S): void;
  /** Largest audio frame answered with a `frame_too_large` error; twice this closes the socket (1009). */
  maxFrameBytes?: number;
  maxTextBytes?: number;
  /** Audio waiting for a slow sink, per socket; beyond it the oldest audio is dropped. Default: 5 s at 48 kHz. */
  maxQueuedAudioBytes?: number;
  /** Outbound bytes the socket may hold for a slow client before messages are skipped. */
  maxOutboundBufferedBytes?: number;
  /** Protocol errors tolerated per socket before it is closed with 1008. */
  maxProtocolErrors?: number;
  /** Ping interval; a client that has not answered the previous ping by the next one is cut off. */
  heartbeatMs?: number;
  /** Sink failures and other server-side problems, for logging. */
  onError?(err: unknown, session: S | null): void;
  /** Told each microphone frame's time (seconds) from its arrival on the socket to its sink's result (VAD). */
  frameLatency?: { observe(seconds: number): void };
  /** The session's events from now on, for the `sync_frame` output; without it that output is refused. */
  sessionEvents?(session: S): AsyncIterableIterator<SessionEvent>;
}

/** Closes a client that reads sync frames too slowly: skipping frames would leave holes in its audio. */
export const CLOSE_SLOW_SYNC_READER = 4008;

export interface AudioSocketStats {
  openConnections: number;
  acceptedConnections: number;
  rejectedUpgrades: number;
  protocolErrors: number;
  droppedInboundFrames: number;
  droppedInboundBytes: number;
  droppedOutboundMessages: number;
  /** Microphone audio waiting for the input path now, over every connection. */
  queuedInboundBytes: number;
}

export interface AudioSocketServer {
  /** Mount on the HTTP server's 'upgrade' event for the audio path. */
  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void;
  /** Closes every socket (1001) and their sinks. */
  close(): Promise<void>;
  /** Counters since start, for the health report. */
  stats(): AudioSocketStats;
}

/**
 * The bearer token from `?token=`, `Authorization: Bearer`, or a `bearer.<token>` subprotocol (the only
 * place a browser WebSocket can put one besides the URL).
 */
export function tokenFromRequest(req: IncomingMessage): string | null {
  const query = new URL(req.url ?? '/', 'http://localhost').searchParams.get('token');
  if (query) return query;
  const auth = req.headers.authorization;
  if (auth?.toLowerCase().startsWith('bearer ')) return auth.slice(7).trim() || null;
  for (const protocol of (req.headers['sec-websocket-protocol'] ?? '').split(',')) {
    const trimmed = protocol.trim();
    if (trimmed.startsWith(BEARER_SUBPROTOCOL_PREFIX))
      return trimmed.slice(BEARER_SUBPROTOCOL_PREFIX.length) || null;
  }
  return null;
}

/** Ends a subscription to a session's events (a failure to end one is nothing to report). */
function stopEvents(events: AsyncIterableIterator<SessionEvent> | null): void {
  events?.return?.().catch(() => undefined);
}

function toBytes(data: RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

export function createAudioSocket<S extends AudioSession>(opts: AudioSocketOptions<S>): AudioSocketServer {
  const maxFrameBytes = opts.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const limits = {
    maxFrameBytes,
    maxTextBytes: opts.maxTextBytes ?? DEFAULT_MAX_TEXT_BYTES,
    maxQueuedAudioBytes: opts.maxQueuedAudioBytes ?? 48_000 * 2 * 5,
    maxOutboundBufferedBytes: opts.maxOutboundBufferedBytes ?? 1024 * 1024,
    maxProtocolErrors: opts.maxProtocolErrors ?? 100,
    heartbeatMs: opts.heartbeatMs ?? 30_000,
  };
  const stats: Omit<AudioSocketStats, 'queuedInboundBytes'> = {
    openConnections: 0,
    acceptedConnections: 0,
    rejectedUpgrades: 0,
    protocolErrors: 0,
    droppedInboundFrames: 0,
    droppedInboundBytes: 0,
    droppedOutboundMessages: 0,
  };
  const connections = new Set<AudioConnection>();
  let closing = false;
  const heartbeat = setInterval(() => {
    for (const connection of connections) connection.heartbeat();
  }, limits.heartbeatMs);
  heartbeat.unref();

  const wss = new WebSocketServer({
    noServer: true,
    // Frames between maxFrameBytes and this get a polite error; above it ws closes with 1009 before buffering more.
    maxPayload: Math.max(2 * maxFrameBytes, limits.maxTextBytes),
    // Never echo the bearer subprotocol back; browsers need one offered protocol selected.
    handleProtocols: (protocols) => (protocols.has(AUDIO_SUBPROTOCOL) ? AUDIO_SUBPROTOCOL : false),
  });

  class AudioConnection {
    readonly #ws: WebSocket;
    readonly #session: S;
    readonly #queue = new BoundedAudioQueue(limits.maxQueuedAudioBytes);
    #sink: MicrophoneSink | null = null;

    get queuedBytes(): number {
      return this.#queue.stats.queuedBytes;
    }
    #utteranceId: string | null = null;
    #errors = 0;
    #pumping = false;
    #opening = true;
    #closed = false;
    #lastDropped = { frames: 0, bytes: 0 };
    #alive = true;
    /** The session's events while the client takes sync frames. */
    #syncEvents: AsyncIterableIterator<SessionEvent> | null = null;
    readonly closedSink: Promise<void>;
    #resolveClosed!: () => void;

    constructor(ws: WebSocket, session: S) {
      this.#ws = ws;
      this.#session = session;
      this.closedSink = new Promise((resolve) => {
        this.#resolveClosed = resolve;
      });
      ws.on('message', (data, isBinary) => this.#onMessage(data, isBinary));
      ws.on('close', () => void this.#onClose());
      // 'error' precedes 'close' (bad UTF-8, oversize frame): ws already closes with the right code.
      ws.on('error', () => {});
      ws.on('pong', () => {
        this.#alive = true;
      });
      void this.#open();
    }

    /** Half-open TCP connections never send 'close': without this their sinks would live forever. */
    heartbeat(): void {
      if (!this.#alive) {
        this.#ws.terminate();
        return;
      }
      this.#alive = false;
      this.#ws.ping();
    }

    /** False when the message was not sent: socket closed, or the client reads too slowly (counted). */
    send(message: ServerMessage): boolean {
      if (this.#ws.readyState !== WebSocket.OPEN) return false;
      if (this.#ws.bufferedAmount > limits.maxOutboundBufferedBytes) {
        stats.droppedOutboundMessages++;
        return false;
      }
      this.#ws.send(JSON.stringify(message));
      return true;
    }

    close(code: number, reason: string): void {
      if (this.#ws.readyState === WebSocket.OPEN || this.#ws.readyState === WebSocket.CONNECTING) {
        this.#ws.close(code, reason);
      }
    }

    async #open(): Promise<void> {
      try {
        const sink = await opts.openSink(this.#session, {
          speechStarted: (event) => this.send({ type: 'speech.started', ...event }),
          speechEnded: (event) => this.send({ type: 'speech.ended', ...event }),
          sessionEnded: (reason) => {
            const sent = this.send({ type: 'session.ended', reason });
            this.close(CLOSE_CODES.normal, `session ended: ${reason}`.slice(0, 120));
            return sent;
          },
          reconnect: (reason) => {
            const sent = this.send({ type: 'reconnect', reason });
            this.close(CLOSE_CODES.reconnect, reason.slice(0, 120));
            return sent;
          },
        });
        if (this.#closed) {
          await this.#call(() => sink.close());
          return;
        }
        this.#sink = sink;
        this.send({
          type: 'ready',
          sessionId: this.#session.sessionId,
          sampleRates: SUPPORTED_INPUT_RATES,
          maxFrameBytes: limits.maxFrameBytes,
        });
        void this.#pump();
      } catch (err) {
        opts.onError?.(err, this.#session);
        this.send({ type: 'error', code: 'sink_failed', message: 'Could not open the audio pipeline' });
        this.close(CLOSE_CODES.internalError, 'audio pipeline unavailable');
      } finally {
        this.#opening = false;
        if (this.#closed) this.#resolveClosed();
      }
    }

    /** Asks the client to close; a client that does not answer is cut off. */
    shutdown(): void {
      this.close(CLOSE_CODES.goingAway, 'server shutting down');
      setTimeout(() => this.#ws.terminate(), 2000).unref();
    }

    #onMessage(data: RawData, isBinary: boolean): void {
      if (this.#closed) return;
      if (isBinary) {
        const arrivedAtMs = performance.now();
        const frame = decodeAudioFrame(toBytes(data), {
          started: this.#utteranceId !== null,
          maxFrameBytes: limits.maxFrameBytes,
        });
        if (frame.ok) this.#enqueue({ kind: 'audio', pcm: frame.value, arrivedAtMs });
        else this.#protocolError(frame.error);
        return;
      }
      const bytes = toBytes(data);
      const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
      const decoded = decodeTextMessage(text, limits.maxTextBytes);
      if (decoded.ok) this.#onControl(decoded.value);
      else this.#protocolError(decoded.error);
    }

    #onControl(message: ClientMessage): void {
      switch (message.type) {
        case 'audio.start': {
          const utteranceId = message.utteranceId ?? randomUUID();
          this.#utteranceId = utteranceId;
          this.#enqueue({
            kind: 'start',
            utteranceId,
            sampleRate: message.sampleRate,
            options: { traceparent: message.traceparent, playbackReports: message.playbackReports },
          });
          this.send({ type: 'audio.started', utteranceId, sampleRate: message.sampleRate });
          if (message.syncFrames !== undefined) this.#syncFrames(message.syncFrames);
          return;
        }
        case 'control.end_turn':
          // The stream stays open at the same rate: the session starts the next utterance itself.
          this.#enqueue({ kind: 'endTurn' });
          this.send({ type: 'turn.ended', utteranceId: this.#utteranceId });
          return;
        case 'vad':
          this.#enqueue({ kind: 'vad', speaking: message.speaking });
          return;
        case 'interrupt':
          // Barge-in must not wait behind audio of speech that is being cut off.
          this.#queue.discardAudio();
          if (this.#sink) {
            const { playedMs, responseId } = message;
            void this.#call(() =>
              this.#sink?.interrupt(playedMs === undefined ? undefined : { playedMs, responseId }),
            );
          }
          this.send({ type: 'interrupted' });
          return;
      }
    }

    /** Starts or stops the `sync_frame` output: one binary message per 30 fps frame of each answer. */
    #syncFrames(on: boolean): void {
      if (!on) {
        stopEvents(this.#syncEvents);
        this.#syncEvents = null;
        return;
      }
      if (this.#syncEvents) return;
      const events = opts.sessionEvents?.(this.#session);
      if (!events) {
        this.send({
          type: 'error',
          code: 'sync_frames_unavailable',
          message: 'This server does not send sync frames',
        });
        return;
      }
      this.#syncEvents = events;
      const framer = new SyncFramer();
      const pump = async () => {
        for await (const event of events) {
          for (const message of framer.push(event)) {
            if (this.#ws.readyState !== WebSocket.OPEN) return;
            if (this.#ws.bufferedAmount > limits.maxOutboundBufferedBytes) {
              stats.droppedOutboundMessages++;
              this.close(CLOSE_SLOW_SYNC_READER, 'reading sync frames too slowly');
              return;
            }
            this.#ws.send(message);
          }
        }
      };
      pump()
        .catch((err: unknown) => opts.onError?.(err, this.#session))
        .finally(() => stopEvents(events));
    }

    #enqueue(item: QueuedInput): void {
      this.#queue.push(item);
      const { droppedFrames, droppedBytes } = this.#queue.stats;
      stats.droppedInboundFrames += droppedFrames - this.#lastDropped.frames;
      stats.droppedInboundBytes += droppedBytes - this.#lastDropped.bytes;
      this.#lastDropped = { frames: droppedFrames, bytes: droppedBytes };
      // Checked here too: an async call per frame only to return at once is what the pump avoids below.
      if (!this.#pumping && this.#sink) void this.#pump();
    }

    async #pump(): Promise<void> {
      if (this.#pumping || !this.#sink) return;
      this.#pumping = true;
      try {
        for (let item = this.#queue.shift(); item && !this.#closed; item = this.#queue.shift()) {
          const pending = this.#deliver(item);
          // Only calls still running are awaited: most frames are done at once, and a microtask hop per frame
          // per microphone showed up in the capacity profile.
          if (pending) await pending;
        }
      } finally {
        this.#pumping = false;
      }
    }

    #deliver(item: QueuedInput): Promise<void> | undefined {
      const sink = this.#sink!;
      switch (item.kind) {
        case 'start':
          return this.#call(() => sink.start(item.utteranceId, item.sampleRate, item.options));
        case 'audio':
          return this.#call(
            () => sink.audio(item.pcm),
            () => opts.frameLatency?.observe((performance.now() - item.arrivedAtMs) / 1000),
          );
        case 'endTurn':
          return this.#call(() => sink.endTurn());
        case 'vad':
          return this.#call(() => sink.vadHint(item.speaking));
      }
    }

    /**
     * A failing sink call is reported, never thrown into the socket's event handlers. `done` runs when the call
     * succeeded; a promise comes back only when the sink returned one.
     */
    #call(fn: () => void | Promise<void>, done?: () => void): Promise<void> | undefined {
      let result: void | Promise<void>;
      try {
        result = fn();
      } catch (err) {
        this.#failed(err);
        return;
      }
      if (!(result instanceof Promise)) {
        done?.();
        return;
      }
      return result.then(done, (err: unknown) => this.#failed(err));
    }

    #failed(err: unknown): void {
      opts.onError?.(err, this.#session);
      const message = err instanceof AppError ? err.message : 'Audio pipeline error';
      this.send({ type: 'error', code: err instanceof AppError ? err.code : 'INTERNAL', message });
    }

    #protocolError(error: ProtocolError): void {
      stats.protocolErrors++;
      this.#errors++;
      if (this.#errors > limits.maxProtocolErrors) {
        this.close(CLOSE_CODES.policyViolation, 'too many protocol errors');
        return;
      }
      this.send({ type: 'error', code: error.code, message: error.message });
    }

    async #onClose(): Promise<void> {
      if (this.#closed) return;
      this.#closed = true;
      this.#queue.discardAudio();
      stopEvents(this.#syncEvents);
      connections.delete(this);
      stats.openConnections--;
      // While the sink is still opening, #open() closes it when it arrives.
      if (this.#opening) return;
      const sink = this.#sink;
      if (sink) await this.#call(() => sink.close());
      this.#resolveClosed();
    }
  }

  return {
    handleUpgrade(req, socket, head) {
      // A client that resets during authentication must not crash the process.
      socket.on('error', () => {});
      const token = tokenFromRequest(req);
      const refuse = (err: unknown) => {
        stats.rejectedUpgrades++;
        rejectUpgrade(socket, err);
      };
      if (closing) return refuse(new AppError('UNAVAILABLE', 'Server is shutting down'));
      if (!token) return refuse(new AppError('UNAUTHENTICATED', 'A token is required'));
      const admitted = async (session: S) => {
        if (socket.destroyed) return;
        if (closing) return refuse(new AppError('UNAVAILABLE', 'Server is shutting down'));
        try {
          await opts.admit?.(session);
        } catch (err) {
          return refuse(err);
        }
        // Gone, or shutting down, while it was counted: hand the count back.
        if (socket.destroyed || closing) {
          opts.release?.(session);
          return closing ? refuse(new AppError('UNAVAILABLE', 'Server is shutting down')) : undefined;
        }
        upgrade(session);
      };
      const upgrade = (session: S) => {
        let upgraded = false;
        // ws drops a socket that died before the handshake without calling back: release it here then.
        socket.once('close', () => {
          if (!upgraded) opts.release?.(session);
        });
        wss.handleUpgrade(req, socket, head, (ws) => {
          upgraded = true;
          stats.acceptedConnections++;
          stats.openConnections++;
          ws.once('close', () => opts.release?.(session));
          connections.add(new AudioConnection(ws, session));
        });
      };
      opts
        .authenticate(token)
        .then(admitted, refuse)
        .catch((err: unknown) => opts.onError?.(err, null));
    },

    async close() {
      closing = true;
      clearInterval(heartbeat);
      const open = [...connections];
      for (const connection of open) connection.shutdown();
      await Promise.all(open.map((connection) => connection.closedSink));
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },

    stats: () => ({
      ...stats,
      queuedInboundBytes: [...connections].reduce((n, connection) => n + connection.queuedBytes, 0),
    }),
  };
}
