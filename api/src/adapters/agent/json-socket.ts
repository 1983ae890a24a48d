/**
 * The WebSocket both agent protocols run on: JSON messages each way. Incoming messages wait in a bounded queue
 * until the adapter reads them; anything the adapter cannot rely on (the socket closing, a message that is not
 * a JSON object, a provider that goes quiet, a flood it cannot keep up with) surfaces as a ProviderError at the
 * next read, so a turn fails over instead of hanging.
 */
import WebSocket from 'ws';
import { ProviderError } from '../../errors';

export type JsonMessage = Record<string, unknown>;

/** More unread messages than this means the provider floods us: the connection is dropped. */
const MAX_QUEUED = 20_000;

/** Waiting for the user between answers (provider turn detection): silence there is normal, not a stall. */
export const LISTEN_IDLE_MS = 3_600_000;

export class JsonSocket {
  private readonly queue: JsonMessage[] = [];
  private waiter: (() => void) | null = null;
  private failure: ProviderError | null = null;

  private constructor(
    private readonly ws: WebSocket,
    readonly label: string,
  ) {
    ws.on('message', (data, isBinary) => {
      if (this.failure) return;
      let message: unknown;
      try {
        message = JSON.parse(isBinary ? Buffer.from(data as Buffer).toString('utf8') : String(data));
      } catch {
        message = undefined;
      }
      if (!message || typeof message !== 'object' || Array.isArray(message)) {
        this.fail(new ProviderError(label, 'the agent sent a malformed event (not a JSON object)'));
        return;
      }
      if (this.queue.length >= MAX_QUEUED) {
        this.fail(new ProviderError(label, `more than ${MAX_QUEUED} unread events: dropped`));
        return;
      }
      this.queue.push(message as JsonMessage);
      this.wake();
    });
    ws.on('close', (code, reason) => {
      this.fail(new ProviderError(label, `the agent connection closed (${code} ${String(reason)})`.trim()));
    });
    ws.on('error', (err) => this.fail(new ProviderError(label, err.message, { cause: err })));
  }

  /** Opens the socket; fails (a ProviderError) when it cannot within `timeoutMs`. */
  static open(
    url: string,
    opts: { label: string; headers?: Record<string, string>; timeoutMs: number; signal?: AbortSignal },
  ): Promise<JsonSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: opts.headers, handshakeTimeout: opts.timeoutMs });
      const fail = (message: string, cause?: unknown) => {
        ws.removeAllListeners();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(new ProviderError(opts.label, message, { cause }));
      };
      const onAbort = () => fail('connection cancelled');
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      ws.once('unexpected-response', (_req, res) =>
        fail(`the agent refused the connection (HTTP ${res.statusCode})`),
      );
      ws.once('error', (err) => fail(`cannot connect: ${err.message}`, err));
      ws.once('open', () => {
        opts.signal?.removeEventListener('abort', onAbort);
        ws.removeAllListeners();
        resolve(new JsonSocket(ws, opts.label));
      });
    });
  }

  get closed(): boolean {
    return this.failure !== null;
  }

  /** Sends a message; a closed socket drops it (the next read reports why). */
  send(message: JsonMessage): void {
    if (this.failure || this.ws.readyState !== WebSocket.OPEN) return;
    this.ws.send(JSON.stringify(message));
  }

  /**
   * The next message. Rejects with the connection's failure, with a timeout ProviderError after `idleMs` of
   * silence, or with the signal's reason.
   */
  async next(opts: { idleMs: number; signal?: AbortSignal }): Promise<JsonMessage> {
    for (;;) {
      const message = this.queue.shift();
      if (message) return message;
      if (this.failure) throw this.failure;
      if (opts.signal?.aborted) throw opts.signal.reason;
      let timedOut = false;
      let wake: () => void = () => undefined;
      const woken = new Promise<void>((resolve) => {
        wake = resolve;
      });
      this.waiter = wake;
      const timer = setTimeout(() => {
        timedOut = true;
        wake();
      }, opts.idleMs);
      opts.signal?.addEventListener('abort', wake, { once: true });
      await woken;
      clearTimeout(timer);
      opts.signal?.removeEventListener('abort', wake);
      this.waiter = null;
      if (timedOut && this.queue.length === 0 && !this.failure) {
        throw new ProviderError(this.label, `no event from the agent for ${opts.idleMs} ms`, {
          timeout: true,
        });
      }
    }
  }

  /** Puts a message back to be read next (a reader that looked ahead). */
  unshift(message: JsonMessage): void {
    this.queue.unshift(message);
  }

  /** Ends the connection; later reads fail with `reason`. */
  close(reason = 'closed'): void {
    this.fail(new ProviderError(this.label, reason));
    this.ws.close(1000);
  }

  private fail(err: ProviderError): void {
    if (this.failure) return;
    this.failure = err;
    // Nothing more will be read: the socket is closed if it is not already.
    if (this.ws.readyState === WebSocket.OPEN) this.ws.close(1011);
    this.wake();
  }

  private wake(): void {
    this.waiter?.();
    this.waiter = null;
  }
}

/** A string field the protocol requires: its absence makes the event malformed (a ProviderError). */
export function stringField(message: JsonMessage, field: string, label: string): string {
  const value = message[field];
  if (typeof value !== 'string') {
    throw new ProviderError(
      label,
      `the agent sent a malformed ${String(message.type ?? 'event')} (no ${field})`,
    );
  }
  return value;
}
