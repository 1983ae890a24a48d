import { type DocumentNode, type ExecutionArgs, GraphQLError, Kind, type ValueNode, visit } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { findUnsafeText, isUnsafeText } from '../domain/text';
import { AppError, BadInputError, isErrorCode, UnauthenticatedError } from '../errors';
import type { GraphQLContext } from './context';
import { maskError } from './errors';

/** The first argument (path inside it) written inline in the document that holds unsafe text, or null. */
function unsafeLiteral(document: DocumentNode): string | null {
  let found: string | null = null;
  const walk = (value: ValueNode, path: string): void => {
    if (found !== null) return;
    if (value.kind === Kind.STRING && isUnsafeText(value.value)) found = path;
    else if (value.kind === Kind.LIST)
      for (const [i, item] of value.values.entries()) walk(item, `${path}.${i}`);
    else if (value.kind === Kind.OBJECT)
      for (const field of value.fields) walk(field.value, `${path}.${field.name.value}`);
  };
  visit(document, {
    Argument: (node) => walk(node.value, node.name.value),
  });
  return found;
}

/** Stops an operation before it runs with a result holding one typed error. */
function stopWith(error: AppError, stop: (result: { errors: ReturnType<typeof maskError>[] }) => void) {
  stop({ errors: [maskError(error, error.message)] });
}

/**
 * Text inputs anywhere (variables or inline arguments, on HTTP and graphql-ws alike) holding U+0000 or a lone
 * surrogate are answered BAD_INPUT naming the field, before any resolver runs. The rule is the same for every
 * field, so no resolver or database can trip over them.
 */
export function useSafeText(): Plugin {
  const check = (args: ExecutionArgs, stop: Parameters<typeof stopWith>[1]) => {
    const field = findUnsafeText(args.variableValues ?? {}) ?? unsafeLiteral(args.document);
    if (field !== null) {
      stopWith(
        new BadInputError(`${field}: text must not contain U+0000 or unpaired surrogates`, { field }),
        stop,
      );
    }
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

const asksForSchema = (document: DocumentNode) => {
  let found = false;
  visit(document, {
    Field: (node) => {
      if (node.name.value === '__schema' || node.name.value === '__type') found = true;
    },
  });
  return found;
};

/** Introspection for anyone (`on`), signed-in callers only (`signed-in`, production's default), or nobody. */
export function useIntrospectionPolicy(policy: 'on' | 'signed-in' | 'off'): Plugin {
  const check = (args: ExecutionArgs, stop: Parameters<typeof stopWith>[1]) => {
    if (policy === 'on' || !asksForSchema(args.document)) return;
    if (policy === 'off') {
      stopWith(new AppError('FORBIDDEN', 'Introspection is turned off on this server'), stop);
    } else if (!(args.contextValue as GraphQLContext).viewer) {
      stopWith(new UnauthenticatedError('Sign in to introspect the schema'), stop);
    }
  };
  return {
    onExecute: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
    onSubscribe: ({ args, setResultAndStopExecution }) => check(args, setResultAndStopExecution),
  };
}

/**
 * Requests GraphQL refuses before running them (syntax, validation, variables, the armor's depth and cost
 * limits) answer BAD_INPUT on HTTP too, as they do on graphql-ws, instead of yoga's own codes.
 */
export function useTypedRequestErrors(): Plugin {
  const typed = (error: GraphQLError) =>
    isErrorCode(error.extensions?.code)
      ? error
      : new GraphQLError(error.message, {
          nodes: error.nodes,
          source: error.source,
          positions: error.positions,
          path: error.path,
          originalError: error.originalError,
          extensions: { ...error.extensions, code: 'BAD_INPUT', retryable: false },
        });
  return {
    onResultProcess: ({ result, setResult }) => {
      if (Array.isArray(result) || Symbol.asyncIterator in result || !result.errors?.length) return;
      setResult({
        ...result,
        errors: result.errors.map((error) => (error instanceof GraphQLError ? typed(error) : error)),
      });
    },
  };
}
