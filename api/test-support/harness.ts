import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { type ExecutionResult, print } from 'graphql';
import { type Client, createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { startWorkflowRuntime } from '../../workflows/src/runtime';
import { quietTemporalRuntime, temporalMetrics } from '../../workflows/src/worker';
import { type App, type AppOverrides, buildApp } from '../src/app';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/database';

export const TEST_USERS = {
  admin: { username: 'admin', password: 'admin-pw' },
  alice: { username: 'alice', password: 'alice-pw' },
  bob: { username: 'bob', password: 'bob-pw' },
  integrator: { username: 'integ', password: 'integ-pw' },
} as const;

/** TEST_USERS as the AUTH_USERS setting. */
export const TEST_AUTH_USERS = Object.entries(TEST_USERS)
  .map(
    ([key, u]) =>
      `${u.username}:${u.password}:${key === 'admin' ? 'admin' : key === 'integrator' ? 'integrator' : 'user'}`,
  )
  .join(',');

/** Signs in through POST /api/auth/token and returns the bearer token. */
export async function signIn(url: string, user: keyof typeof TEST_USERS): Promise<string> {
  const res = await fetch(`${url}/api/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(TEST_USERS[user]),
  });
  if (!res.ok) throw new Error(`sign-in failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { accessToken: string }).accessToken;
}

/** Runs a codegen'd operation over HTTP against the API at `url`. */
export async function postOperation<R, V>(
  url: string,
  doc: TypedDocumentNode<R, V>,
  variables: V,
  token?: string,
): Promise<ExecutionResult<R>> {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query: print(doc), variables }),
  });
  return (await res.json()) as ExecutionResult<R>;
}

/**
 * Runs a codegen'd operation with one file as a GraphQL multipart request (graphql-multipart-request-spec), the
 * way upload-capable clients send files: `fileVariable` names the variable the file fills. Returns the HTTP status
 * and the JSON body (a GraphQL result, or the HTTP layer's own error body).
 */
export async function postWithFile<R, V, F extends keyof V & string>(
  url: string,
  doc: TypedDocumentNode<R, V>,
  variables: Omit<V, F>,
  file: { variable: F; bytes: Uint8Array; type: string },
  token?: string,
): Promise<{ status: number; body: ExecutionResult<R> & { error?: { code?: string } } }> {
  const form = new FormData();
  form.append(
    'operations',
    JSON.stringify({ query: print(doc), variables: { ...variables, [file.variable]: null } }),
  );
  form.append('map', JSON.stringify({ 0: [`variables.${file.variable}`] }));
  form.append('0', new Blob([Uint8Array.from(file.bytes)], { type: file.type }), 'upload');
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    body: form,
  });
  return {
    status: res.status,
    body: (await res.json()) as ExecutionResult<R> & { error?: { code?: string } },
  };
}

export interface TestApp {
  app: App;
  url: string;
  wsUrl: string;
  /** Signs in through POST /api/auth/token and returns the bearer token. */
  token(user: keyof typeof TEST_USERS): Promise<string>;
  /** Runs a codegen'd operation over HTTP. */
  gql<R, V>(doc: TypedDocumentNode<R, V>, variables: V, token?: string): Promise<ExecutionResult<R>>;
  /** A graphql-ws client authenticated with `token` (closed by stop()). */
  wsClient(token?: string): Client;
  stop(): Promise<void>;
}

/**
 * Starts the real app (real HTTP, graphql-ws, PGlite with pgvector in memory) on a free port. Pass `env` to
 * configure it like a deployment, e.g. `{ REDIS_URL }`.
 */
export async function startTestApp(
  opts: { env?: Record<string, string>; overrides?: AppOverrides } = {},
): Promise<TestApp> {
  const dataDir = await mkdtemp(path.join(tmpdir(), 'avatar-test-'));
  const config = loadConfig({
    NODE_ENV: 'test',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    DATA_DIR: dataDir,
    JWT_SECRET: 'test-secret-that-is-long-enough-0123456789',
    AUTH_USERS: TEST_AUTH_USERS,
    API_KEYS: 'test-api-key:keyuser:user',
    // Each Temporal runtime costs a dev server and a workflow bundle; tests of workflows turn it on.
    WORKFLOWS: 'off',
    // Test files open many sessions for one user without ending them; the limits tests set their own.
    MAX_OPEN_SESSIONS_PER_USER: '1000',
    // The rule-based responder's answers are known in advance; the in-process model's tests choose it.
    LLM_PROVIDERS: 'local',
    ...opts.env,
  });
  const ownDatabase = !opts.overrides?.database;
  const database = opts.overrides?.database ?? (await openDatabase({}));
  // Workflows failing on purpose in tests would log warnings.
  if (config.temporal.mode !== 'off') quietTemporalRuntime('ERROR', temporalMetrics(config));
  const app = await buildApp(config, { background: startWorkflowRuntime, ...opts.overrides, database });
  const { url } = await app.start();
  const wsUrl = `${url.replace(/^http/, 'ws')}/graphql`;
  const clients: Client[] = [];
  return {
    app,
    url,
    wsUrl,
    token: (user) => signIn(url, user),
    gql: (doc, variables, token) => postOperation(url, doc, variables, token),
    wsClient(token) {
      const client = createClient({
        url: wsUrl,
        webSocketImpl: WebSocket,
        connectionParams: token ? { authorization: `Bearer ${token}` } : {},
        retryAttempts: 0,
        lazy: true,
      });
      clients.push(client);
      return client;
    },
    async stop() {
      await Promise.all(clients.map((c) => c.dispose()));
      await app.stop();
      if (ownDatabase) await database.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}

/**
 * Collects a subscription's results until `until` matches one (inclusive), it completes, or the timeout passes.
 * Subscribe with `afterSeq: 0` to also get events emitted before the subscription reached the server.
 */
export function collect<R, V extends Record<string, unknown>>(
  client: Client,
  doc: TypedDocumentNode<R, V>,
  variables: V,
  until: (result: ExecutionResult<R>) => boolean,
  timeoutMs = 20_000,
): Promise<ExecutionResult<R>[]> {
  const results: ExecutionResult<R>[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      unsubscribe();
      reject(
        new Error(
          `subscription timed out after ${timeoutMs} ms; got ${JSON.stringify(results).slice(0, 2000)}`,
        ),
      );
    }, timeoutMs);
    const unsubscribe = client.subscribe<R>(
      { query: print(doc), variables },
      {
        next: (result) => {
          results.push(result as ExecutionResult<R>);
          if (until(result as ExecutionResult<R>)) {
            clearTimeout(timer);
            unsubscribe();
            resolve(results);
          }
        },
        error: (err) => {
          clearTimeout(timer);
          reject(asError(err));
        },
        complete: () => {
          clearTimeout(timer);
          resolve(results);
        },
      },
    );
  });
}

/** graphql-ws reports a closed socket as its CloseEvent: make it an Error that says code and reason. */
function asError(err: unknown): Error {
  if (err instanceof Error) return err;
  const close = err as { code?: unknown; reason?: unknown };
  if (typeof close?.code === 'number')
    return new Error(`socket closed ${close.code}: ${String(close.reason)}`);
  return new Error(JSON.stringify(err));
}
