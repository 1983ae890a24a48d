import { RedisPubSub } from 'graphql-redis-subscriptions';
import { createPubSub } from 'graphql-yoga';
import { Redis } from 'ioredis';
import type { SessionEvent } from '../domain/session-events';

/** Topic → payload, the only channels the API publishes on. Topics are scoped by an id (the session). */
export interface Channels {
  sessionEvents: SessionEvent;
}

export interface EventBus {
  readonly kind: 'memory' | 'redis';
  publish<K extends keyof Channels>(topic: K, id: string, payload: Channels[K]): Promise<void>;
  subscribe<K extends keyof Channels>(topic: K, id: string): AsyncIterable<Channels[K]>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

const channel = (topic: string, id: string) => `${topic}:${id}`;

/** In-process fan-out: the embedded default, one node. */
export function createMemoryEventBus(): EventBus {
  const pubsub = createPubSub<Record<string, [unknown]>>();
  return {
    kind: 'memory',
    publish: async (topic, id, payload) => pubsub.publish(channel(topic, id), payload),
    subscribe: <K extends keyof Channels>(topic: K, id: string) =>
      pubsub.subscribe(channel(topic, id)) as AsyncIterable<Channels[K]>,
    ping: async () => undefined,
    close: async () => undefined,
  };
}

/** Multi-node fan-out through Redis (graphql-redis-subscriptions + ioredis). */
export function createRedisEventBus(url: string): EventBus {
  const options = { maxRetriesPerRequest: 2, lazyConnect: false };
  const publisher = new Redis(url, options);
  const subscriber = new Redis(url, options);
  const pubsub = new RedisPubSub({ publisher, subscriber });
  return {
    kind: 'redis',
    publish: (topic, id, payload) => pubsub.publish(channel(topic, id), payload),
    subscribe: <K extends keyof Channels>(topic: K, id: string) =>
      pubsub.asyncIterator<Channels[K]>(channel(topic, id)) as unknown as AsyncIterable<Channels[K]>,
    ping: async () => {
      await publisher.ping();
    },
    close: async () => {
      await pubsub.close();
    },
  };
}
