import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import { StaleWriterError } from '../errors';
import type { TurnRecord } from '../realtime/ports';
import type { Database } from './database';
import { TurnRepository } from './turn-repository';

const turn = (text: string): TurnRecord => ({
  role: 'ASSISTANT',
  text,
  utteranceId: null,
  interrupted: false,
  emotion: null,
  timings: {},
});

describe.each(DATABASE_KINDS)('turn repository on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  let turns: TurnRepository;

  beforeAll(() => {
    db = database.db;
    turns = new TurnRepository(db);
  });

  const textsOf = async (sessionId: string) =>
    (await db.prisma.turn.findMany({ where: { sessionId }, orderBy: { createdAt: 'asc' } })).map(
      (t) => t.text,
    );

  it('refuses turn writes from an owner whose fence a newer owner raised, and changes nothing', async () => {
    const { sessionId } = await seedConversation(db);
    await turns.raiseFence(sessionId, 3);
    const saved = await turns.save(sessionId, turn('from the owner'), 3);
    // The node that owned the session before (fence 2) still thinks it does.
    await expect(turns.save(sessionId, turn('from a stale owner'), 2)).rejects.toBeInstanceOf(
      StaleWriterError,
    );
    await expect(turns.truncate(saved.id, 'from', 2)).rejects.toMatchObject({ code: 'CONFLICT' });
    expect(await textsOf(sessionId)).toEqual(['from the owner']);
    // A fence only rises: the old owner cannot lower it back.
    await turns.raiseFence(sessionId, 2);
    await expect(turns.save(sessionId, turn('again'), 2)).rejects.toBeInstanceOf(StaleWriterError);
    await turns.truncate(saved.id, 'from', 4);
    expect(await textsOf(sessionId)).toEqual(['from']);
  });

  it('keeps an answer whose owner died to what was heard: its own stored turn, or a new one when it was never stored', async () => {
    const { sessionId } = await seedConversation(db);
    await turns.save(sessionId, { ...turn('one two three'), utteranceId: 'u1' });
    await turns.save(sessionId, { ...turn('four five six'), utteranceId: 'u2' });
    expect(await turns.settleDanglingAnswer(sessionId, { utteranceId: 'u2', heardText: 'four' })).toBe(
      'truncated',
    );
    // The answer to u3 died before it was stored: the answers before it are left as they were. The new owner
    // raised the fence when it took the session over.
    await turns.raiseFence(sessionId, 5);
    expect(
      await turns.settleDanglingAnswer(sessionId, { utteranceId: 'u3', heardText: 'seven eight' }, 5),
    ).toBe('stored');
    const stored = await db.prisma.turn.findMany({ where: { sessionId }, orderBy: { createdAt: 'asc' } });
    expect(stored.map((t) => [t.utteranceId, t.text, t.interrupted])).toEqual([
      ['u1', 'one two three', false],
      ['u2', 'four', true],
      ['u3', 'seven eight', true],
    ]);
    // Written with the new owner's fence: a stale owner's settling is refused.
    await expect(
      turns.settleDanglingAnswer(sessionId, { utteranceId: 'u4', heardText: 'x' }, 4),
    ).rejects.toBeInstanceOf(StaleWriterError);
  });
});
