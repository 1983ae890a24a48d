import type { Redis } from 'ioredis';
import type { ConversationTurn } from '../domain/prompt';
import type { ConversationHistory } from '../realtime/ports';

// Short-term memory of live sessions: the last few turns, fed back into every prompt. Long-term memory
// (facts about the user) is a separate concern, retrieved by embedding search.

export interface ConversationHistoryOptions {
  /** Turns kept per session (user and assistant turns each count). */
  maxTurns?: number;
}

const DEFAULT_MAX_TURNS = 20;

export class InMemoryConversationHistory implements ConversationHistory {
  private readonly sessions = new Map<string, ConversationTurn[]>();
  private readonly maxTurns: number;

  constructor(opts: ConversationHistoryOptions = {}) {
    this.maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
  }

  async append(sessionId: string, turn: ConversationTurn): Promise<void> {
    const turns = this.sessions.get(sessionId) ?? [];
    turns.push({ role: turn.role, text: turn.text });
    this.sessions.set(sessionId, turns.slice(-this.maxTurns));
  }

  async recent(sessionId: string): Promise<ConversationTurn[]> {
    return (this.sessions.get(sessionId) ?? []).map((t) => ({ ...t }));
  }

  async truncateLastAssistant(sessionId: string, heardText: string): Promise<void> {
    const turns = this.sessions.get(sessionId) ?? [];
    const index = turns.findLastIndex((t) => t.role === 'assistant');
    if (index === -1) return;
    if (heardText) turns[index] = { role: 'assistant', text: heardText };
    else turns.splice(index, 1);
  }

  async clear(sessionId: string): Promise<void> {
    this.sessions.delete(sessionId);
  }
}

/**
 * Runs in Redis so that finding and rewriting the last assistant turn is atomic with concurrent appends.
 * An empty heard text deletes the element through a tombstone, since Redis lists cannot remove by index.
 */
const TRUNCATE_LAST_ASSISTANT = `
local items = redis.call('LRANGE', KEYS[1], 0, -1)
for i = #items, 1, -1 do
  local ok, turn = pcall(cjson.decode, items[i])
  if ok and turn.role == 'assistant' then
    if ARGV[1] == '' then
      redis.call('LSET', KEYS[1], i - 1, ARGV[2])
      redis.call('LREM', KEYS[1], 1, ARGV[2])
    else
      turn.text = ARGV[1]
      redis.call('LSET', KEYS[1], i - 1, cjson.encode(turn))
    end
    return 1
  end
end
return 0`;

/**
 * One Redis list per session (`RPUSH` + `LTRIM` to the window), expiring `ttlSeconds` after the last
 * append so abandoned sessions clean themselves up. Shared by every API instance behind a load balancer.
 */
export class RedisConversationHistory implements ConversationHistory {
  private readonly maxTurns: number;
  private readonly ttlSeconds: number;
  private readonly keyPrefix: string;

  constructor(
    private readonly redis: Redis,
    opts: ConversationHistoryOptions & { ttlSeconds?: number; keyPrefix?: string } = {},
  ) {
    this.maxTurns = opts.maxTurns ?? DEFAULT_MAX_TURNS;
    this.ttlSeconds = opts.ttlSeconds ?? 24 * 60 * 60;
    this.keyPrefix = opts.keyPrefix ?? 'avatar:history:';
  }

  private key(sessionId: string): string {
    return `${this.keyPrefix}${sessionId}`;
  }

  async append(sessionId: string, turn: ConversationTurn): Promise<void> {
    const key = this.key(sessionId);
    await this.redis
      .multi()
      .rpush(key, JSON.stringify({ role: turn.role, text: turn.text }))
      .ltrim(key, -this.maxTurns, -1)
      .expire(key, this.ttlSeconds)
      .exec();
  }

  async recent(sessionId: string): Promise<ConversationTurn[]> {
    const items = await this.redis.lrange(this.key(sessionId), 0, -1);
    return items.flatMap((item) => {
      const turn = parseTurn(item);
      return turn ? [turn] : [];
    });
  }

  async truncateLastAssistant(sessionId: string, heardText: string): Promise<void> {
    const tombstone = `__removed__:${Date.now()}:${Math.random()}`;
    await this.redis.eval(TRUNCATE_LAST_ASSISTANT, 1, this.key(sessionId), heardText, tombstone);
  }

  async clear(sessionId: string): Promise<void> {
    await this.redis.del(this.key(sessionId));
  }
}

function parseTurn(item: string): ConversationTurn | undefined {
  try {
    const value = JSON.parse(item) as Partial<ConversationTurn>;
    if ((value.role === 'user' || value.role === 'assistant') && typeof value.text === 'string') {
      return { role: value.role, text: value.text };
    }
  } catch {
    // A foreign or corrupted entry is skipped rather than breaking the whole conversation.
  }
  return undefined;
}
