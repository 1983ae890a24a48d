import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import { AppError, type ErrorCode, redisUnavailable } from '../errors';
import type { Logger } from '../logger';
import type { LiveSession } from '../realtime/hub';
import type { PlayedReport } from '../realtime/ports';

/** What one node asks the owner of a session to do. */
export type NodeCommand =
  | { kind: 'sendText'; live: LiveSession; text: string; traceparent?: string }
  | { kind: 'greet'; live: LiveSession }
  | { kind: 'setPersona'; live: LiveSession }
  | { kind: 'sendImage'; live: LiveSession; image: { mimeType: string; base64: string } }
  | { kind: 'interrupt'; sessionId: string; played?: PlayedReport }
  /** Give the session up: its client's audio socket connected to another node. */
  | { kind: 'release'; sessionId: string }
  /** The session ended: free what the owner holds for it and tell its clients why. */
  | { kind: 'ended'; sessionId: string; reason: string };

interface Request {
  id: string;
  replyTo: string;
  command: NodeCommand;
}

interface Reply {
  id: string;
  result?: unknown;
  error?: { code: ErrorCode; message: string; retryable: boolean; details?: Record<string, unknown> };
}

/** The owner is alive but did not answer in time. */
export class NodeTimeoutError extends AppError {
  constructor(node: string, timeoutMs: number) {
    super('UNAVAILABLE', `The node running this session did not answer in ${timeoutMs} ms`, {
      retryable: true,
      details: { node },
    });
  }
}

/** Nobody listens on the owner's channel: its process is gone (the caller takes the session over). */
export class NodeGoneError extends AppError {
  constructor(node: string) {
    super('UNAVAILABLE', 'The node running this session is gone', { retryable: true, details: { node } });
  }
}

/**
 * Commands between API nodes over Redis pub/sub: each node listens on its own channel and answers on the
 * caller's, with the typed result or the typed error of running the command where the session lives.
 */
export class NodeCommands {
  private readonly publisher: Redis;
  private readonly subscriber: Redis;
  private readonly waiting = new Map<string, { settle(reply: Reply): void }>();

  constructor(
    redisUrl: string,
    private readonly nodeId: string,
    private readonly run: (command: NodeCommand) => Promise<unknown>,
    private readonly logger: Logger,
    private readonly keyPrefix = 'avatar',
  ) {
    const onError = (err: Error) => logger.warn({ err }, 'redis connection error (node commands)');
    this.publisher = new Redis(redisUrl, { maxRetriesPerRequest: 2 });
    this.subscriber = new Redis(redisUrl);
    this.publisher.on('error', onError);
    this.subscriber.on('error', onError);
    this.subscriber.on('message', (channel: string, message: string) => this.receive(channel, message));
  }

  async start(): Promise<void> {
    await this.subscriber.subscribe(
      this.channel('commands', this.nodeId),
      this.channel('replies', this.nodeId),
    );
  }

  /** Runs `command` on `node` and resolves with its result, or rejects with its typed error. */
  send(node: string, command: NodeCommand, timeoutMs = 2_000): Promise<unknown> {
    const request: Request = { id: randomUUID(), replyTo: this.nodeId, command };
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(request.id);
        reject(new NodeTimeoutError(node, timeoutMs));
      }, timeoutMs);
      this.waiting.set(request.id, {
        settle: (reply) => {
          clearTimeout(timer);
          this.waiting.delete(request.id);
          if (!reply.error) return resolve(reply.result);
          const { code, message, retryable, details } = reply.error;
          reject(new AppError(code, message, { retryable, details }));
        },
      });
      const fail = (err: AppError) => {
        clearTimeout(timer);
        this.waiting.delete(request.id);
        reject(err);
      };
      this.publisher.publish(this.channel('commands', node), JSON.stringify(request)).then(
        // Nobody listens on a dead node's channel: no need to wait for the timeout.
        (listeners) => listeners === 0 && this.waiting.has(request.id) && fail(new NodeGoneError(node)),
        (err: unknown) => fail(redisUnavailable(err)),
      );
    });
  }

  async stop(): Promise<void> {
    for (const [id, waiter] of this.waiting) {
      waiter.settle({
        id,
        error: { code: 'UNAVAILABLE', message: 'This node is stopping', retryable: true },
      });
    }
    this.subscriber.disconnect();
    await this.publisher.quit().catch(() => undefined);
  }

  private receive(channel: string, message: string): void {
    let parsed: Request | Reply;
    try {
      parsed = JSON.parse(message) as Request | Reply;
    } catch {
      this.logger.warn({ channel }, 'unreadable node command');
      return;
    }
    if (channel === this.channel('replies', this.nodeId)) {
      this.waiting.get(parsed.id)?.settle(parsed as Reply);
      return;
    }
    const request = parsed as Request;
    void this.answer(request);
  }

  /** Runs a request and publishes its reply. Never rejects. */
  private async answer(request: Request): Promise<void> {
    let reply: Reply;
    try {
      reply = { id: request.id, result: (await this.run(request.command)) ?? null };
    } catch (err) {
      const known = err instanceof AppError;
      reply = {
        id: request.id,
        error: known
          ? { code: err.code, message: err.message, retryable: err.retryable, details: err.details }
          : { code: 'INTERNAL', message: 'The node running this session failed', retryable: true },
      };
      if (!known) this.logger.error({ err, command: request.command.kind }, 'node command failed');
    }
    await this.publisher
      .publish(this.channel('replies', request.replyTo), JSON.stringify(reply))
      .catch((err: unknown) => this.logger.warn({ err }, 'could not reply to a node command'));
  }

  private channel(kind: 'commands' | 'replies', node: string) {
    return `${this.keyPrefix}:${kind}:${node}`;
  }
}
