import { mapAsyncIterator } from '@graphql-tools/utils';
import {
  createSourceEventStream,
  type ExecutionArgs,
  type ExecutionResult,
  execute,
  getOperationAST,
  Kind,
  print,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';

/**
 * Executes each event of a shared subscription once per distinct operation, document and variables, and hands
 * that one result to every subscriber of it on this node, as Hasura's multiplexed subscriptions do. With 100
 * viewers of a session, a 9 KB speech chunk is resolved once instead of 100 times, and `sharedResultJson` lets
 * the transport serialize it once too.
 *
 * Only for the root subscription fields named in `fields`, whose event types resolve from the event alone: no
 * field under them reads the context, the viewer or anything per subscriber. The result is cached on the event
 * object itself (a WeakMap), which the event bus hands to every local subscriber, so it lives as long as the event.
 */
export function useSharedSubscriptionResults(fields: ReadonlySet<string>): Plugin {
  const results = new WeakMap<object, Map<string, Promise<ExecutionResult>>>();
  return {
    onSubscribe({ args, setSubscribeFn }) {
      const roots = getOperationAST(args.document, args.operationName)?.selectionSet.selections ?? [];
      const shared = roots.every((root) => root.kind === Kind.FIELD && fields.has(root.name.value));
      if (roots.length === 0 || !shared) return;
      // Computed once per subscription; the source text is what the client sent (aliases and fragments included).
      const query = `${args.operationName ?? ''}\n${JSON.stringify(args.variableValues ?? {})}\n${
        args.document.loc?.source.body ?? print(args.document)
      }`;
      setSubscribeFn(async (subscribeArgs) => {
        const source = await createSourceEventStream(subscribeArgs as ExecutionArgs);
        if (!(Symbol.asyncIterator in source)) return source;
        return mapAsyncIterator(source, (event: unknown) => {
          if (typeof event !== 'object' || event === null) return executeEvent(subscribeArgs, event);
          const byQuery = results.get(event) ?? new Map<string, Promise<ExecutionResult>>();
          results.set(event, byQuery);
          const result = byQuery.get(query) ?? executeEvent(subscribeArgs, event);
          byQuery.set(query, result);
          return result;
        });
      });
    },
  };
}

function executeEvent(args: unknown, event: unknown): Promise<ExecutionResult> {
  return Promise.resolve(execute({ ...(args as ExecutionArgs), rootValue: event }));
}
