import { describe, expect, it } from 'vitest';
import { useRedisServer } from '../../test-support/redis-server';
import type { ConversationHistory } from '../realtime/ports';
import { InMemoryConversationHistory, RedisConversationHistory } from './conversation-history';

const redisServer = useRedisServer();

let sessionCounter = 0;
const newSession = () => `session-${++sessionCounter}`;

const stores: [string, (maxTurns: number) => ConversationHistory][] = [
  ['InMemoryConversationHistory', (maxTurns) => new InMemoryConversationHistory({ maxTurns })],
  [
    'RedisConversationHistory',
    (maxTurns) => new RedisConversationHistory(redisServer.client, { maxTurns, ttlSeconds: 60 }),
  ],
];

describe.each(stores)('%s', (_name, create) => {
  it('keeps only the most recent turns, oldest first, per session', async () => {
    const store = create(3);
    const [a, b] = [newSession(), newSession()];
    for (const text of ['1', '2', '3', '4']) await store.append(a, { role: 'user', text });
    await store.append(b, { role: 'assistant', text: 'other' });
    expect((await store.recent(a)).map((t) => t.text)).toEqual(['2', '3', '4']);
    expect(await store.recent(b)).toEqual([{ role: 'assistant', text: 'other' }]);
    expect(await store.recent(newSession())).toEqual([]);
  });

  it('truncates the last assistant turn to what was heard, leaving later user turns alone', async () => {
    const store = create(10);
    const id = newSession();
    await store.append(id, { role: 'assistant', text: 'Earlier full answer.' });
    await store.append(id, { role: 'user', text: 'Tell me a story' });
    await store.append(id, { role: 'assistant', text: 'Once upon a time there was a "dragon" ☕ who' });
    await store.append(id, { role: 'user', text: 'stop' });
    await store.truncateLastAssistant(id, 'Once upon a time');
    expect(await store.recent(id)).toEqual([
      { role: 'assistant', text: 'Earlier full answer.' },
      { role: 'user', text: 'Tell me a story' },
      { role: 'assistant', text: 'Once upon a time' },
      { role: 'user', text: 'stop' },
    ]);
  });

  it('removes the assistant turn entirely when nothing of it was heard', async () => {
    const store = create(10);
    const id = newSession();
    await store.append(id, { role: 'user', text: 'hi' });
    await store.append(id, { role: 'assistant', text: 'Hello' });
    await store.truncateLastAssistant(id, '');
    expect(await store.recent(id)).toEqual([{ role: 'user', text: 'hi' }]);
    await store.truncateLastAssistant(id, 'no assistant turn left: nothing happens');
    expect(await store.recent(id)).toEqual([{ role: 'user', text: 'hi' }]);
  });

  it('clears a session', async () => {
    const store = create(10);
    const id = newSession();
    await store.append(id, { role: 'user', text: 'hi' });
    await store.clear(id);
    expect(await store.recent(id)).toEqual([]);
  });
});

describe('RedisConversationHistory specifics', () => {
  it('sets a TTL on the session list so abandoned sessions expire', async () => {
    const store = new RedisConversationHistory(redisServer.client, {
      ttlSeconds: 120,
      keyPrefix: 'test:history:',
    });
    await store.append('ttl', { role: 'user', text: 'hi' });
    const ttl = await redisServer.client.ttl('test:history:ttl');
    expect(ttl).toBeGreaterThan(100);
    expect(ttl).toBeLessThanOrEqual(120);
  });

  it('skips corrupted entries instead of failing the whole history', async () => {
    const store = new RedisConversationHistory(redisServer.client, { keyPrefix: 'test:history:' });
    await redisServer.client.rpush(
      'test:history:corrupt',
      'not json',
      JSON.stringify({ role: 'user', text: 'ok' }),
    );
    expect(await store.recent('corrupt')).toEqual([{ role: 'user', text: 'ok' }]);
  });
});
