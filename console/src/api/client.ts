import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import { readAuth } from '../auth/session';
import { ApiError, toApiError } from './errors';

/** Runs a codegen'd operation against `/graphql` with the signed-in admin's token. */
export async function request<R, V>(doc: TypedDocumentNode<R, V>, variables: V): Promise<R> {
  const auth = readAuth();
  let res: Response;
  try {
    res = await fetch(new URL('/graphql', location.origin), {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(auth ? { authorization: `Bearer ${auth.accessToken}` } : {}),
      },
      body: JSON.stringify({ query: print(doc), variables }),
    });
  } catch (err) {
    throw new ApiError(`The API cannot be reached (${(err as Error).message})`, 'UNAVAILABLE');
  }
  const body = (await res.json().catch(() => ({}))) as ExecutionResult<R>;
  if (body.errors?.length) throw toApiError(body.errors);
  if (!body.data) throw new ApiError(`The API answered ${res.status} without data`, 'INTERNAL');
  return body.data;
}

/** URL of the graphql-ws endpoint on the same origin the console was served from. */
export function graphqlWsUrl(): string {
  const url = new URL('/graphql', location.origin);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url.toString();
}

/**
 * A graphql-ws client that does not retry by itself: callers that resume subscriptions do it with their own
 * `afterSeq`, so a reconnect never replays events they already have.
 */
export function createWsClient(token: string | undefined = readAuth()?.accessToken): Client {
  return createClient({
    url: graphqlWsUrl(),
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    lazy: true,
  });
}
