import type { IncomingMessage } from 'node:http';
import { type ExecutionArgs, type GraphQLError, getOperationAST } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { type WebSocket, WebSocketServer } from 'ws';
import { AppError } from '../errors';
import type { GraphQLContext } from '../graphql/context';
import { maskError } from '../graphql/errors';
import type { ServerContext } from '../graphql/yoga';
import type { Logger } from '../logger';
import type { ConnectionRegistry } from '../services/connections';
import { SubscriberBudget } from '../services/event-bus';

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;

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
  /** Subscription operations open on this socket. */
  subscriptions: Set<string>;
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
      connection = { socket, userId: null, subscriptions: new Set(), budget: new SubscriberBudget(cutOff) };
      open.set(socket, connection);
    }
    return connection;
  };

  const server = useServer<Record<string, unknown>, { socket: WebSocket; request: IncomingMessage }>(
    {
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
          opts.connections.openSocket(userId);
        } catch (err) {
          close(socket, GRAPHQL_WS_CLOSE.tooManySockets, (err as Error).message.slice(0, 120));
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
            subscribeWithin(connection, id, opts);
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
        if (connection?.subscriptions.delete(id) && connection.userId) {
          opts.connections.removeSubscription(connection.userId);
        }
      },
      onClose: (ctx) => {
        const connection = open.get(ctx.extra.socket);
        open.delete(ctx.extra.socket);
        if (!connection?.userId) return;
        for (const _ of connection.subscriptions) opts.connections.removeSubscription(connection.userId);
        opts.connections.closeSocket(connection.userId);
      },
    },
    wss,
    opts.limits.wsKeepAliveMs,
  );
  // graphql-ws logs any socket error to the console as an internal error. They are the client's (an oversized or
  // malformed frame, a reset connection) and ws closes the socket itself with the fitting code (1009, 1002...).
  wss.on('connection', (socket) => {
    socket.removeAllListeners('error');
    socket.on('error', (err) => opts.logger.debug({ err }, 'graphql-ws client socket error'));
  });
  return {
    wss,
    /** Sockets open now and slow subscribers cut off since start, for the health report. */
    stats: () => ({ openSockets: wss.clients.size, slowConsumersCut: slowConsumers }),
    /** Tells every client we are going away (1001) so they reconnect elsewhere, then closes. */
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}

/** Counts a subscription against the socket's and the user's limits, or refuses it with RATE_LIMITED. */
function subscribeWithin(connection: Connection, id: string, opts: GraphQLWebSocketOptions): void {
  if (connection.subscriptions.size >= opts.limits.subscriptionsPerSocket) {
    throw new AppError(
      'RATE_LIMITED',
      `Too many subscriptions on this socket (limit ${opts.limits.subscriptionsPerSocket})`,
      { retryable: true, details: { limit: 'subscriptionsPerSocket' } },
    );
  }
  if (connection.userId) opts.connections.addSubscription(connection.userId);
  connection.subscriptions.add(id);
}
