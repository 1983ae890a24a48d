import { RedisPubSub } from 'graphql-redis-subscriptions';
import { Redis } from 'ioredis';
import type { SessionEvent } from '../domain/session-events';
import { AppError } from '../errors';

/** Topic → payload, the only channels the API publishes on. Topics are scoped by an id (the session). */
export interface Channels {
  sessionEvents: SessionEvent;
}

/** How much one subscriber may fall behind before it is cut off. */
export interface SubscriberLimits {
  /** Events waiting to be delivered, per subscription. */
  maxEvents: number;
  /** Their size in bytes (as JSON), for all the subscriptions sharing a budget (one client connection). */
  maxBytes: number;
}

/** Bytes waiting for one client connection, whatever number of subscriptions it holds. */
export class SubscriberBudget {
  queuedBytes = 0;
  /**
   * Told when a subscription sharing this budget overflows. The transport cuts the reader off then: its reads
   * are stuck behind a send the stalled client never takes, so they would not see the error themselves.
   */
  constructor(readonly onOverflow: (err: SlowConsumerError) => void = () => undefined) {}
}

/**
 * A whole long answer (a minute of speech, its frames) may wait for a reader that plays it in real time while
 * the server produced it faster: that must fit. A reader that stopped altogether passes it soon.
 */
export const DEFAULT_SUBSCRIBER_LIMITS: SubscriberLimits = { maxEvents: 1024, maxBytes: 4 * 1024 * 1024 };

/** A subscriber read too slowly and was cut off; it resumes with `afterSeq` from the last event it got. */
export class SlowConsumerError extends AppError {
  constructor(limits: SubscriberLimits) {
    super(
      'SLOW_CONSUMER',
      `The subscriber fell more than ${limits.maxEvents} events or ${limits.maxBytes} bytes behind; resubscribe with afterSeq`,
      { retryable: true, details: { ...limits } },
    );
    this.name = 'SlowConsumerError';
  }
}

/**
 * One subscriber's view of a channel: a bounded queue between the fan-out and the subscriber's reader. It
 * listens from the moment it is created (once `ready` resolves for Redis), so a caller can read a log after
 * `ready` and miss nothing. When the reader falls behind past the limits, the queue is dropped and the next
 * read throws `SlowConsumerError`: memory stays bounded whatever the reader does.
 */
export class EventSubscription<T> implements AsyncIterableIterator<T> {
  /** Resolves once events of the channel reach this subscription. */
  readonly ready: Promise<void>;
  private readonly queue: { value: T; bytes: number }[] = [];
  private waiter: ((result: IteratorResult<T>) => void) | null = null;
  private failure: SlowConsumerError | null = null;
  private done = false;
  private stopListening: () => Promise<void> = async () => undefined;

  constructor(
    private readonly limits: SubscriberLimits,
    listen: (deliver: (value: T, bytes: number) => void) => Promise<() => Promise<void>>,
    /** Shared by the subscriptions of one connection; each subscription has its own by default. */
    private readonly budget = new SubscriberBudget(),
  ) {
    this.ready = listen((value, bytes) => this.deliver(value, bytes)).then((stop) => {
      this.stopListening = stop;
      if (this.done) void stop().catch(() => undefined);
    });
    // A failed subscribe surfaces to the reader through `ready`; this keeps it from being an unhandled rejection.
    this.ready.catch(() => undefined);
  }

  /** Called by the fan-out; never throws. */
  private deliver(value: T, bytes: number): void {
    if (this.done || this.failure) return;
    if (this.waiter) {
      const waiter = this.waiter;
      this.waiter = null;
      waiter({ value, done: false });
      return;
    }
    this.queue.push({ value, bytes });
    this.budget.queuedBytes += bytes;
    if (this.queue.length > this.limits.maxEvents || this.budget.queuedBytes > this.limits.maxBytes) {
      this.failure = new SlowConsumerError(this.limits);
      this.drop();
      void this.stop();
      try {
        this.budget.onOverflow(this.failure);
      } catch {
        // The fan-out goes on whatever the transport does.
      }
    }
  }

  async next(): Promise<IteratorResult<T>> {
    const item = this.queue.shift();
    if (item) {
      this.budget.queuedBytes -= item.bytes;
      return { value: item.value, done: false };
    }
    if (this.failure) throw this.failure;
    if (this.done) return { value: undefined, done: true };
    return new Promise((resolve) => {
      this.waiter = resolve;
    });
  }

  async return(): Promise<IteratorResult<T>> {
    await this.stop();
    return { value: undefined, done: true };
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  private drop(): void {
    for (const item of this.queue) this.budget.queuedBytes -= item.bytes;
    this.queue.length = 0;
  }

  private async stop(): Promise<void> {
    if (this.done) return;
    this.done = true;
    this.drop();
    const waiter = this.waiter;
    this.waiter = null;
    waiter?.({ value: undefined, done: true });
    await this.stopListening().catch(() => undefined);
  }
}

export interface EventBus {
  readonly kind: 'memory' | 'redis';
  /** Hands the event to every subscriber of the topic on every node; rejects only when the bus is down. */
  publish<K extends keyof Channels>(topic: K, id: string, payload: Channels[K]): Promise<void>;
  subscribe<K extends keyof Channels>(
    topic: K,
    id: string,
    limits?: SubscriberLimits,
    budget?: SubscriberBudget,
  ): EventSubscription<Channels[K]>;
  /**
   * The bus got its connection back after losing it (Redis restarted or was unreachable): subscriptions go on,
   * but what was published meanwhile never reached them, so readers catch up from the log. Returns `off`.
   */
  onReconnect(listener: () => void): () => void;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** After the bus reconnects the log is read at once and again this much later, for events still on their way. */
const RECONNECT_RECHECK_MS = 1000;

export const RECONNECTED = Symbol('reconnected');

/**
 * Wakes a reader when the bus reconnects (twice: at once, and once the log writes in flight have landed). Each
 * wait is a fresh promise, so a long session does not pile reactions onto one that never settles; a reconnect
 * stays due until the reader says it caught up (`take`), even when it came while the reader was busy.
 */
export function reconnectSignal(bus: Pick<EventBus, 'onReconnect'>) {
  let due = false;
  let wake: (() => void) | null = null;
  const fire = () => {
    due = true;
    wake?.();
  };
  const timers = new Set<NodeJS.Timeout>();
  const off = bus.onReconnect(() => {
    fire();
    const timer = setTimeout(() => {
      timers.delete(timer);
      fire();
    }, RECONNECT_RECHECK_MS);
    timers.add(timer);
  });
  return {
    next(): Promise<typeof RECONNECTED> {
      return new Promise((resolve) => {
        wake = () => resolve(RECONNECTED);
        if (due) resolve(RECONNECTED);
      });
    },
    take() {
      due = false;
    },
    stop() {
      off();
      for (const timer of timers) clearTimeout(timer);
      wake = null;
    },
  };
}

const channel = (topic: string, id: string) => `${topic}:${id}`;

/** In-process fan-out: the embedded default, one node. Each event is measured once, whatever the fan-out. */
export function createMemoryEventBus(): EventBus {
  const listeners = new Map<string, Set<(value: unknown, bytes: number) => void>>();
  return {
    kind: 'memory',
    publish: async (topic, id, payload) => {
      const subscribers = listeners.get(channel(topic, id));
      if (!subscribers?.size) return;
      const bytes = Buffer.byteLength(JSON.stringify(payload));
      for (const deliver of subscribers) deliver(payload, bytes);
    },
    subscribe: <K extends keyof Channels>(
      topic: K,
      id: string,
      limits = DEFAULT_SUBSCRIBER_LIMITS,
      budget?: SubscriberBudget,
    ) =>
      new EventSubscription<Channels[K]>(
        limits,
        async (deliver) => {
          const name = channel(topic, id);
          const set = listeners.get(name) ?? new Set();
          listeners.set(name, set);
          const listener = deliver as (value: unknown, bytes: number) => void;
          set.add(listener);
          return async () => {
            set.delete(listener);
            if (set.size === 0) listeners.delete(name);
          };
        },
        budget,
      ),
    // In process, nothing is ever lost between publisher and subscriber.
    onReconnect: () => () => undefined,
    ping: async () => undefined,
    close: async () => listeners.clear(),
  };
}

/** The message as Redis carried it, parsed once per node and measured by its own length. */
interface Delivered {
  value: unknown;
  bytes: number;
}

/**
 * Multi-node fan-out through Redis (graphql-redis-subscriptions + ioredis): one Redis subscription per channel
 * and node, and a bounded queue per subscriber on top of it.
 */
export function createRedisEventBus(url: string, onError: (err: Error) => void = () => undefined): EventBus {
  const options = { maxRetriesPerRequest: 2, lazyConnect: false };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  // ioredis reports a lost connection as 'error' events while it reconnects.
  publisher.on('error', onError);
  subscriber.on('error', onError);
  // ioredis subscribes the channels again itself when the connection is back ('ready' after the first).
  const reconnectListeners = new Set<() => void>();
  let connectedBefore = false;
  subscriber.on('ready', () => {
    if (connectedBefore) {
      for (const listener of reconnectListeners) {
        try {
          listener();
        } catch (err) {
          onError(err as Error);
        }
      }
    }
    connectedBefore = true;
  });
  const pubsub = new RedisPubSub({
    publisher,
    subscriber,
    deserializer: (message): Delivered => ({
      value: JSON.parse(message.toString()),
      bytes: typeof message === 'string' ? Buffer.byteLength(message) : message.length,
    }),
  });
  return {
    kind: 'redis',
    publish: (topic, id, payload) => pubsub.publish(channel(topic, id), payload),
    subscribe: <K extends keyof Channels>(
      topic: K,
      id: string,
      limits = DEFAULT_SUBSCRIBER_LIMITS,
      budget?: SubscriberBudget,
    ) =>
      new EventSubscription<Channels[K]>(
        limits,
        async (deliver) => {
          const subId = await pubsub.subscribe(channel(topic, id), (message: Delivered) =>
            deliver(message.value as Channels[K], message.bytes),
          );
          return async () => pubsub.unsubscribe(subId);
        },
        budget,
      ),
    onReconnect: (listener) => {
      reconnectListeners.add(listener);
      return () => reconnectListeners.delete(listener);
    },
    ping: async () => {
      await publisher.ping();
    },
    close: async () => {
      await pubsub.close();
    },
  };
}
