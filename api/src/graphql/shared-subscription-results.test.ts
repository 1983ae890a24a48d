import { createPubSub, createSchema, createYoga } from 'graphql-yoga';
import { describe, expect, it } from 'vitest';
import { useSharedSubscriptionResults } from './shared-subscription-results';

interface Tick {
  n: number;
}

/** A schema whose `Tick.doubled` counts its executions; `ticks` is shared, `privateTicks` is not. */
function setup() {
  const pubSub = createPubSub<{ tick: [Tick] }>();
  const counter = { executions: 0 };
  const schema = createSchema({
    typeDefs: /* GraphQL */ `
      type Query { ok: Boolean }
      type Tick { n: Int! doubled: Int! }
      type Subscription { ticks: Tick! privateTicks: Tick! brokenTicks: Tick! }
    `,
    resolvers: {
      Tick: {
        doubled: (tick: Tick) => {
          counter.executions++;
          return tick.n * 2;
        },
      },
      Subscription: {
        ticks: { subscribe: () => pubSub.subscribe('tick'), resolve: (tick: Tick) => tick },
        privateTicks: { subscribe: () => pubSub.subscribe('tick'), resolve: (tick: Tick) => tick },
        brokenTicks: {
          subscribe: () => {
            throw new Error('no ticks today');
          },
        },
      },
    },
  });
  const yoga = createYoga({
    schema,
    logging: false,
    plugins: [useSharedSubscriptionResults(new Set(['ticks', 'brokenTicks']))],
  });
  const subscribe = async (query: string) => {
    const enveloped = yoga.getEnveloped({});
    const stream = await enveloped.subscribe({
      schema: enveloped.schema,
      document: enveloped.parse(query),
      contextValue: await enveloped.contextFactory(),
    });
    return stream as AsyncIterableIterator<{ data: unknown }>;
  };
  return { pubSub, counter, subscribe };
}

describe('useSharedSubscriptionResults', () => {
  it('executes an event once for every subscriber of the same operation, and separately for another', async () => {
    const { pubSub, counter, subscribe } = setup();
    const query = 'subscription { ticks { n doubled } }';
    const [a, b, other] = await Promise.all([
      subscribe(query),
      subscribe(query),
      subscribe('subscription { ticks { twice: doubled } }'),
    ]);
    const next = Promise.all([a.next(), b.next(), other.next()]);
    pubSub.publish('tick', { n: 21 });
    const [ra, rb, rother] = await next;
    expect(ra.value).toEqual({ data: { ticks: { n: 21, doubled: 42 } } });
    // The very same result object: the transport serializes it once too.
    expect(rb.value).toBe(ra.value);
    expect(rother.value).toEqual({ data: { ticks: { twice: 42 } } });
    expect(counter.executions).toBe(2);
    await Promise.all([a.return?.(), b.return?.(), other.return?.()]);
  });

  it('leaves subscription fields it was not told about to run per subscriber', async () => {
    const { pubSub, counter, subscribe } = setup();
    const query = 'subscription { privateTicks { doubled } }';
    const [a, b] = await Promise.all([subscribe(query), subscribe(query)]);
    const next = Promise.all([a.next(), b.next()]);
    pubSub.publish('tick', { n: 1 });
    const [ra, rb] = await next;
    expect(rb.value).toEqual(ra.value);
    expect(rb.value).not.toBe(ra.value);
    expect(counter.executions).toBe(2);
  });

  it('answers a failing subscribe with its errors, as without the plugin', async () => {
    const { subscribe } = setup();
    const result = await subscribe('subscription { brokenTicks { n } }');
    expect(Symbol.asyncIterator in result).toBe(false);
    expect(result).toMatchObject({ errors: [{ path: ['brokenTicks'] }] });
  });
});
