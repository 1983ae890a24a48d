import type { IncomingMessage } from 'node:http';
import type { ExecutionArgs, GraphQLError } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { YogaServerInstance } from 'graphql-yoga';
import { WebSocketServer } from 'ws';
import type { GraphQLContext } from '../graphql/context';
import { maskError } from '../graphql/errors';
import type { ServerContext } from '../graphql/yoga';

type OperationResult = ReturnType<NonNullable<Parameters<typeof useServer>[0]['execute']>>;

interface EnvelopedExecution {
  execute: (args: ExecutionArgs) => OperationResult;
  subscribe: (args: ExecutionArgs) => OperationResult;
}

/**
 * graphql-ws on the same yoga instance: every subscription goes through `yoga.getEnveloped`, so WebSocket
 * operations get the same plugins (auth, limits, error masking) and context as HTTP ones.
 */
export function createGraphQLWebSocketServer(yoga: YogaServerInstance<ServerContext, GraphQLContext>) {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 256 * 1024 });
  const server = useServer<Record<string, unknown>, { request: IncomingMessage }>(
    {
      execute: (args) => (args.rootValue as EnvelopedExecution).execute(args),
      subscribe: (args) => (args.rootValue as EnvelopedExecution).subscribe(args),
      onSubscribe: async (ctx, _id, params) => {
        const enveloped = yoga.getEnveloped({ ...ctx, connectionParams: ctx.connectionParams ?? {}, params });
        // Syntax errors and auth failures (expired token...) answer this operation with typed errors; the
        // connection stays open for the client's other operations.
        try {
          const document = enveloped.parse(params.query);
          const errors = enveloped.validate(enveloped.schema, document);
          if (errors.length > 0) return errors.map((e: GraphQLError) => maskError(e, e.message));
          return {
            schema: enveloped.schema,
            document,
            operationName: params.operationName,
            variableValues: params.variables,
            contextValue: await enveloped.contextFactory(),
            rootValue: { execute: enveloped.execute, subscribe: enveloped.subscribe },
          };
        } catch (err) {
          return [maskError(err, 'Unexpected error')];
        }
      },
    },
    wss,
  );
  return {
    wss,
    /** Tells every client we are going away (1001) so they reconnect elsewhere, then closes. */
    async close() {
      await server.dispose();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
