/**
 * The API over HTTP: sign-in, typed GraphQL operations, and sessions. Runs in browsers and in Node (pass a
 * WebSocket implementation on Node versions without a global one).
 */
import type { TypedDocumentNode } from '@graphql-typed-document-node/core';
import { print } from 'graphql';
import { AvatarClientError, fromGraphqlErrors } from './errors';
import { CreateSessionMutation, PersonasQuery } from './operations';
import { AvatarSession, type SessionOptions } from './session';

export interface AvatarClientOptions {
  /** The API's base URL (default: the page's origin). */
  url?: string;
  /** A bearer token from your own sign-in; or call `signIn`. */
  accessToken?: string;
  /** Called when the API says the access token is no longer valid: return a fresh one. */
  refreshAccessToken?: () => Promise<string>;
  /** For Node versions without a global WebSocket (e.g. the `ws` package). */
  WebSocket?: typeof WebSocket;
}

export interface SignedInUser {
  id: string;
  username: string;
  role: string;
}

export interface CreateSessionOptions extends SessionOptions {
  personaId: string;
  /** What this client renders (default all: audio, text, visemes, blendshapes, gestures). */
  capabilities?: string[];
  /** Say the persona's greeting first. */
  greet?: boolean;
}

export class AvatarClient {
  readonly url: string;
  readonly WebSocket: typeof WebSocket | undefined;
  #token: string | null;
  readonly #refresh: (() => Promise<string>) | undefined;

  constructor(opts: AvatarClientOptions = {}) {
    const url = opts.url ?? globalThis.location?.origin;
    if (!url) throw new AvatarClientError('BAD_INPUT', 'Pass the API url (there is no page origin here)');
    this.url = url.replace(/\/$/, '');
    this.#token = opts.accessToken ?? null;
    this.#refresh = opts.refreshAccessToken;
    this.WebSocket = opts.WebSocket;
  }

  /** Signs in with a username and password (the API's own users); the token is kept for later calls. */
  async signIn(username: string, password: string): Promise<{ user: SignedInUser; expiresAt: string }> {
    const response = await this.#fetch(`${this.url}/api/auth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username, password }),
    });
    const body = (await response.json().catch(() => ({}))) as {
      accessToken?: string;
      expiresAt?: string;
      user?: SignedInUser;
      error?: { code?: string; message?: string; retryable?: boolean };
    };
    if (!response.ok || !body.accessToken || !body.user) {
      throw new AvatarClientError(
        body.error?.code ?? 'UNAUTHENTICATED',
        body.error?.message ?? `Sign-in failed (${response.status})`,
        body.error?.retryable ?? false,
      );
    }
    this.#token = body.accessToken;
    return { user: body.user, expiresAt: body.expiresAt ?? '' };
  }

  /** Runs one typed operation; an expired access token is refreshed once through `refreshAccessToken`. */
  async request<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    try {
      return await this.#post(document, variables);
    } catch (err) {
      if (!(err instanceof AvatarClientError) || err.code !== 'UNAUTHENTICATED' || !this.#refresh) throw err;
      this.#token = await this.#refresh();
      return this.#post(document, variables);
    }
  }

  async personas(): Promise<{ id: string; name: string; description: string; avatarRig: string }[]> {
    const result = await this.request(PersonasQuery, { first: 100 });
    return result.personas.edges.map((edge) => edge.node);
  }

  /** Creates a session and starts following its events. */
  async createSession(opts: CreateSessionOptions): Promise<AvatarSession> {
    const { createSession } = await this.request(CreateSessionMutation, {
      input: { personaId: opts.personaId, capabilities: opts.capabilities, greet: opts.greet },
    });
    return new AvatarSession(this, createSession, opts);
  }

  async #post<R, V>(document: TypedDocumentNode<R, V>, variables: V): Promise<R> {
    const response = await this.#fetch(`${this.url}/graphql`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
      },
      body: JSON.stringify({ query: print(document), variables }),
    });
    const body = (await response.json().catch(() => null)) as {
      data?: R;
      errors?: { message: string; extensions?: Record<string, unknown> }[];
    } | null;
    if (body?.errors?.length) throw fromGraphqlErrors(body.errors);
    if (!body?.data) throw new AvatarClientError('NETWORK', `The API answered ${response.status}`, true);
    return body.data;
  }

  async #fetch(url: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(url, init);
    } catch (err) {
      throw new AvatarClientError('NETWORK', `Could not reach ${url}: ${String(err)}`, true);
    }
  }
}
