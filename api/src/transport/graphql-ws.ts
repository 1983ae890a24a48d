import type { IncomingMessage } from 'node:http';
import { type ExecutionArgs, type GraphQLError, getOperationAST } from 'graphql';
import { CloseCode, handleProtocols, makeServer, type ServerOptions } from 'graphql-ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { AppError } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import { maskError } from '../graphql/errors';
import type { ServerContext } from '../graphql/yoga';
import type { Logger } from '../logger';
import type { ConnectionRegistry } from '../services/connections';
import { SubscriberBudget } from '../services/event-bus';

interface SocketExtra {
  socket: WebSocket;
  request: IncomingMessage;
}
type OperationResult = ReturnType<
  NonNullable<ServerOptions<Record<string, unknown>, SocketExtra>['execute']>
>;

interface EnvelopedExecution {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/** Close codes of our own on the graphql-ws socket (graphql-ws uses 4400-4499 for its protocol). */
export const GRAPHQL_WS_CLOSE = {
  /** No valid token in the connection params: sign in, then connect again. */
  unauthorized: CloseCode.Unauthorized,
  /** A subscriber fell too far behind (a stalled reader): resubscribe with `afterSeq`. */
  slowConsumer: 4008,
  /** The user holds the most sockets allowed. */
  tooManySockets: 4029,
} as const;

interface Connection {
  socket: WebSocket;
  userId: string | null;
  /** Subscription operations open on this socket, and whether the user's count holds them yet. */
  subscriptions: Map<string, boolean>;
  /** What the socket's subscriptions may hold for it together while it reads slowly. */
  budget: SubscriberBudget;
}

export interface GraphQLWebSocketOptions {
  connections: ConnectionRegistry;
  limits: { subscriptionsPerSocket: number; wsMaxMessageBytes: number; wsKeepAliveMs: number };
  logger: Logger;
}

/**
 * graphql-ws on the same yoga instance: every operation goes through `yoga.getEnveloped`, so WebSocket
 * operations get the same plugins (auth, limits, error masking) and context as HTTP ones. A socket must sign
 * in with its connection params; per-socket and per-user limits hold; a stalled reader is cut off.
 */
export function createGraphQLWebSocketServer(
  yoga: YogaServerInstance<ServerContext, GraphQLContext>,
  opts: GraphQLWebSocketOptions,
) {
  // Larger messages are refused by ws itself (close 1009) before they are buffered.
  const wss = new WebSocketServer({ noServer: true, maxPayload: opts.limits.wsMaxMessageBytes });
  const open = new Map<WebSocket, Connection>();
  /** Subscribers cut off for reading too slowly, since start. */
  let slowConsumers = 0;
  const close = (socket: WebSocket, code: number, reason: string) => {
    socket.close(code, reason);
    // A reader that never answers the close handshake (it stopped reading) is cut off.
    setTimeout(() => socket.terminate(), 5_000).unref();
  };
  const connectionOf = (socket: WebSocket) => {
    let connection = open.get(socket);
    if (!connection) {
      const cutOff = () => {
        if (socket.readyState !== socket.OPEN) return;
        slowConsumers++;
        close(socket, GRAPHQL_WS_CLOSE.slowConsumer, 'slow consumer: resubscribe with afterSeq');
      };
      connection = { socket, userId: null, subscriptions: new Map(), budget: new SubscriberBudget(cutOff) };
      open.set(socket, connection);
    }
    return connection;
  };

  const payloads = serializedPayloads();
  const server = makeServer<Record<string, unknown>, SocketExtra>({
    execute: (args) => (args.rootValue as EnvelopedExecution).execute(args),
    subscribe: (args) => (args.rootValue as EnvelopedExecution).subscribe(args),
    onConnect: async (ctx) => {
      const { socket } = ctx.extra;
      const enveloped = yoga.getEnveloped({ ...ctx, connectionParams: ctx.connectionParams ?? {} });
      // The same auth as every operation (our JWTs, OIDC): a socket without a valid token is closed, with
      // the reason (e.g. "Token expired") as the close reason.
      let userId: string | undefined;
      let refusal = 'Sign in first: pass a token in the connection params';
      try {
        userId = ((await enveloped.contextFactory()) as unknown as GraphQLContext).viewer?.userId;
      } catch (err) {
        refusal = maskError(err, 'Invalid token').message;
      }
      if (!userId) {
        close(socket, GRAPHQL_WS_CLOSE.unauthorized, refusal.slice(0, 120));
        return false;
      }
      try {
        await opts.connections.openSocket(userId);
      } catch (err) {
        close(socket, GRAPHQL_WS_CLOSE.tooManySockets, (err as Error).message.slice(0, 120));
        return false;
      }
      // Closed while it was counted: onClose ran without a user to release.
      if (socket.readyState !== socket.OPEN) {
        opts.connections.closeSocket(userId);
        return false;
      }
      connectionOf(socket).userId = userId;
      return true;
    },
    onSubscribe: async (ctx, id, params) => {
      const connection = connectionOf(ctx.extra.socket);
      const enveloped = yoga.getEnveloped({ ...ctx, connectionParams: ctx.connectionParams ?? {}, params });
      // Syntax errors and auth failures (expired token...) answer this operation with typed errors; the
      // connection stays open for the client's other operations.
      try {
        const document = enveloped.parse(params.query);
        const errors = enveloped.validate(enveloped.schema, document);
        if (errors.length > 0) return errors.map((e: GraphQLError) => maskError(e, e.message));
        const contextValue = await enveloped.contextFactory();
        (contextValue as unknown as GraphQLContext).subscriberBudget = connection.budget;
        if (getOperationAST(document, params.operationName)?.operation === 'subscription') {
          await subscribeWithin(connection, id, opts);
        }
        return {
          schema: enveloped.schema,
          document,
          operationName: params.operationName,
          variableValues: params.variables,
          contextValue,
          rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
        };
      } catch (err) {
        return [maskError(err, 'Unexpected error')];
      }
    },
    onError: (_ctx, _id, _payload, errors) => errors.map((e) => maskError(e, e.message).toJSON()),
    onComplete: (ctx, id) => {
      const connection = open.get(ctx.extra.socket);
      const counted = connection?.subscriptions.get(id);
      connection?.subscriptions.delete(id);
      if (counted && connection?.userId) opts.connections.removeSubscription(connection.userId);
    },
    onClose: (ctx) => {
      const connection = open.get(ctx.extra.socket);
      open.delete(ctx.extra.socket);
      if (!connection?.userId) return;
      for (const counted of connection.subscriptions.values()) {
        if (counted) opts.connections.removeSubscription(connection.userId);
      }
      connection.subscriptions.clear();
      opts.connections.closeSocket(connection.userId);
    },
    // The result itself, not a copy: a result shared by many subscribers is then serialized once (below).
    onNext: (_ctx, _id, _payload, _args, result) => result,
    jsonMessageReplacer: payloads.replacer,
  });
  wss.options.handleProtocols = handleProtocols;
  wss.on('connection', (socket, request) => {
    // Socket errors are the client's (an oversized or malformed frame, a reset connection); ws closes the socket
    // itself with the fitting code (1009, 1002...).
    socket.on('error', (err) => opts.logger.debug({ err }, 'graphql-ws client socket error'));
    const stopKeepAlive = keepAlive(socket, opts.limits.wsKeepAliveMs);
    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) => sendWithin(socket, payloads.complete(data)),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', (data) => {
            handle(String(data)).catch((err: unknown) => {
              opts.logger.error({ err }, 'graphql-ws message handling failed');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            });
          }),
      },
      { socket, request },
    );
    socket.once('close', (code, reason) => {
      stopKeepAlive();
      closed(code, String(reason)).catch((err: unknown) =>
        opts.logger.error({ err }, 'graphql-ws close handling failed'),
      );
    });
  });
  return {
    wss,
    /** Sockets and subscriptions open now, and slow subscribers cut off since start, for health and metrics. */
    stats: () => ({
      openSockets: wss.clients.size,
      subscriptions: [...open.values()].reduce((n, connection) => n + connection.subscriptions.size, 0),
      /** Events waiting for slow readers, over every socket. */
      queuedOutboundBytes: [...open.values()].reduce((n, connection) => n + connection.budget.queuedBytes, 0),
      slowConsumersCut: slowConsumers,
    }),
    /** Tells every client we are going away (1001) so they reconnect elsewhere, then closes. */
    async close() {
      for (const socket of wss.clients) socket.close(1001, 'Going away');
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Counts a subscription against the socket's and the user's limits, or refuses it with RATE_LIMITED. */
async function subscribeWithin(connection: Connection, id: string, opts: GraphQLWebSocketOptions) {
  if (connection.subscriptions.size >= opts.limits.subscriptionsPerSocket) {
    throw new AppError(
      'RATE_LIMITED',
      `Too many subscriptions on this socket (limit ${opts.limits.subscriptionsPerSocket})`,
      { retryable: true, details: { limit: 'subscriptionsPerSocket' } },
    );
  }
  const { userId } = connection;
  // Reserved at once for the socket's limit; the user's count (on every node) is taken next.
  connection.subscriptions.set(id, false);
  if (!userId) return;
  try {
    await opts.connections.addSubscription(userId);
  } catch (err) {
    connection.subscriptions.delete(id);
    throw err;
  }
  // Completed, or its socket closed, while the count was taken: nobody else will hand it back.
  if (connection.subscriptions.has(id)) connection.subscriptions.set(id, true);
  else opts.connections.removeSubscription(userId);
}

/** Unsent bytes a socket may hold before a send waits for the kernel to take them. */
const SEND_BUFFER_BYTES = 64 * 1024;

/**
 * Sends a message. It completes at once while the socket holds little unsent data, so a burst of events for a
 * reader that keeps up is written without a round trip through the event loop for each; past that it completes
 * once written, so a slow reader's events wait in its bounded subscription queue, not in the socket's buffer.
 */
function sendWithin(socket: WebSocket, data: string): Promise<void> {
  if (socket.readyState !== socket.OPEN) return Promise.resolve();
  if (socket.bufferedAmount < SEND_BUFFER_BYTES) {
    socket.send(data);
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => socket.send(data, (err) => (err ? reject(err) : resolve())));
}

/** Pings every `intervalMs`; a client that has not answered the previous ping by the next one is cut off. */
function keepAlive(socket: WebSocket, intervalMs: number): () => void {
  if (!(intervalMs > 0 && Number.isFinite(intervalMs))) return () => undefined;
  let answered = true;
  socket.on('pong', () => {
    answered = true;
  });
  const timer = setInterval(() => {
    if (!answered) return socket.terminate();
    answered = false;
    socket.ping();
  }, intervalMs);
  return () => clearInterval(timer);
}

/** What the replacer leaves in a `next` message's payload place, for `complete` to find at the message's end. */
const PAYLOAD_MARK = '\u0000payload';
const MARKED_END = `"payload":${JSON.stringify(PAYLOAD_MARK)}}`;

/**
 * graphql-ws serializes every message it sends, once per subscriber. A `next` message's payload is taken out of
 * that (the replacer swaps it for a mark) and put back by `complete` as JSON made once per result object, so a
 * result shared by every subscriber of an event (see `useSharedSubscriptionResults`) is serialized once.
 * graphql-ws calls the replacer and then `send` in one synchronous step, so the JSON handed over is the message's.
 */
export function serializedPayloads() {
  const json = new WeakMap<object, string>();
  let pending = '';
  /** The message being serialized: JSON.stringify calls the replacer with it first, under the key "". */
  let message: unknown = null;
  return {
    replacer(this: unknown, key: string, value: unknown): unknown {
      if (key === '') message = value;
      if (key !== 'payload' || this !== message || (this as { type?: unknown }).type !== 'next') return value;
      if (typeof value !== 'object' || value === null) return value;
      let serialized = json.get(value);
      if (serialized === undefined) {
        serialized = JSON.stringify(value);
        json.set(value, serialized);
      }
      pending = serialized;
      return PAYLOAD_MARK;
    },
    complete(message: string): string {
      if (!message.endsWith(MARKED_END)) return message;
      return `${message.slice(0, -MARKED_END.length)}"payload":${pending}}`;
    },
  };
}
