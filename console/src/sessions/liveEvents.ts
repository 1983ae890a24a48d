import { print } from 'graphql';
import type { Client } from 'graphql-ws';
import type { ConsoleSessionEventsSubscription } from '../gql/graphql';
import { SessionEventsSubscription } from './operations';

export type LiveEvent = ConsoleSessionEventsSubscription['sessionEvents'];

export interface LiveStatus {
  state: 'connecting' | 'live' | 'reconnecting' | 'ended' | 'failed';
  /** Shown to the admin as is. */
  message: string;
  lastSeq: number;
}

export interface FollowOptions {
  sessionId: string;
  /** Events up to this seq are already known (0 replays the whole log first). */
  afterSeq?: number;
  /** A fresh graphql-ws client per attempt, so a broken socket is never reused. */
  connect: () => Client;
  onEvent: (event: LiveEvent) => void;
  onStatus: (status: LiveStatus) => void;
  retryDelayMs?: (attempt: number) => number;
}

const isGraphQLErrorList = (err: unknown): err is { message: string; extensions?: { code?: string } }[] =>
  Array.isArray(err) && err.length > 0 && typeof (err[0] as { message?: unknown }).message === 'string';

/**
 * Follows a session's events and survives a lost connection: it resubscribes with `afterSeq` set to the last
 * seq it delivered (so nothing is missed or repeated) and reports every state change for the UI.
 * Returns a function that stops following.
 */
export function followSessionEvents(opts: FollowOptions): () => void {
  let lastSeq = opts.afterSeq ?? 0;
  let attempt = 0;
  let stopped = false;
  let client: Client | undefined;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const delay = opts.retryDelayMs ?? ((n) => Math.min(500 * 2 ** (n - 1), 10_000));
  const status = (state: LiveStatus['state'], message: string) => opts.onStatus({ state, message, lastSeq });

  const finish = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    void client?.dispose();
  };

  const connect = () => {
    if (stopped) return;
    const current = opts.connect();
    client = current;
    const resumedFrom = lastSeq;
    status(
      attempt === 0 ? 'connecting' : 'reconnecting',
      attempt === 0 ? 'Connecting…' : `Reconnecting (attempt ${attempt})…`,
    );
    current.on('connected', () => {
      if (stopped || client !== current) return;
      status('live', attempt === 0 ? 'Live' : `Reconnected: resumed after event #${resumedFrom}`);
      attempt = 0;
    });
    current.subscribe<ConsoleSessionEventsSubscription>(
      {
        query: print(SessionEventsSubscription),
        variables: { sessionId: opts.sessionId, afterSeq: lastSeq },
      },
      {
        next: (result) => {
          const event = result.data?.sessionEvents;
          if (result.errors?.length) {
            status('failed', result.errors.map((e) => e.message).join('; '));
            finish();
            return;
          }
          if (!event || event.seq <= lastSeq) return;
          lastSeq = event.seq;
          opts.onEvent(event);
          if (event.__typename === 'SessionEnded') {
            status('ended', `Session ended (${event.reason})`);
            finish();
          }
        },
        error: (err) => {
          if (stopped || client !== current) return;
          if (isGraphQLErrorList(err)) {
            status('failed', err.map((e) => e.message).join('; '));
            finish();
            return;
          }
          void current.dispose();
          attempt += 1;
          status('reconnecting', `Connection lost; reconnecting from event #${lastSeq}…`);
          timer = setTimeout(connect, delay(attempt));
        },
        complete: () => {
          if (!stopped && client === current) {
            status('ended', 'The server closed the event stream');
            finish();
          }
        },
      },
    );
  };

  connect();
  return finish;
}
