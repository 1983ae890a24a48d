import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import { BadInputError, NotFoundError } from '../errors';
import type { Database } from './database';
import { ModerationRepository } from './moderation-repository';

describe.each(DATABASE_KINDS)('moderation repository on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  let repo: ModerationRepository;

  beforeAll(async () => {
    db = database.db;
    repo = new ModerationRepository(db);
  });

  const flag = (sessionId: string, text = 'bad words') =>
    repo.createFlag({ sessionId, policyId: null, text, replacement: null, category: 'test' });

  it("gives the classifier a persona's enabled policies and the global ones, oldest first", async () => {
    const mine = await seedConversation(db);
    const other = await seedConversation(db);
    await repo.createPolicy({ name: 'global-rules', blockTerms: ['x'] });
    await repo.createPolicy({ name: 'own-rules', personaId: mine.personaId, blockTerms: ['y'] });
    await repo.createPolicy({ name: 'others', personaId: other.personaId, blockTerms: ['z'] });
    await repo.createPolicy({ name: 'off', blockTerms: ['w'], enabled: false });
    const rules = await repo.rulesFor(mine.personaId);
    expect(rules.map((r) => r.name)).toEqual(['global-rules', 'own-rules']);
    expect(rules.flatMap((r) => r.blockTerms)).toEqual(['x', 'y']);
  });

  it('links the flags raised while answering to the stored turn, all or none', async () => {
    const s = await seedConversation(db, [{ role: 'ASSISTANT', text: 'hm' }]);
    const [a, b] = [await flag(s.sessionId), await flag(s.sessionId)];
    await expect(repo.attachTurn([a.id, 'no-such-flag'], s.turnIds[0]!)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await repo.getFlag(a.id)).turnId).toBeNull();
    await repo.attachTurn([a.id, b.id, a.id], s.turnIds[0]!);
    expect((await repo.getFlag(b.id)).turnId).toBe(s.turnIds[0]);
  });

  it('pages the review queue oldest first and reviews in one transaction', async () => {
    const s = await seedConversation(db);
    const reviewer = await db.prisma.user.create({ data: { username: `rev-${s.sessionId}`, role: 'ADMIN' } });
    const flags = [
      await flag(s.sessionId, 'one'),
      await flag(s.sessionId, 'two'),
      await flag(s.sessionId, 'three'),
    ];
    const first = await repo.listFlags({ sessionId: s.sessionId, first: 2 });
    expect(first.flags.map((f) => f.text)).toEqual(['one', 'two']);
    const rest = await repo.listFlags({ sessionId: s.sessionId, first: 2, after: first.endCursor! });
    expect(rest).toEqual({ flags: [expect.objectContaining({ text: 'three' })], endCursor: null });

    await expect(repo.review([flags[0]!.id, 'missing'], 'APPROVED', reviewer.id)).rejects.toBeInstanceOf(
      NotFoundError,
    );
    expect((await repo.getFlag(flags[0]!.id)).status).toBe('PENDING');
    await expect(repo.review([], 'APPROVED', reviewer.id)).rejects.toBeInstanceOf(BadInputError);
    const reviewed = await repo.review([flags[0]!.id], 'REJECTED', reviewer.id, 'no');
    expect(reviewed).toEqual([expect.objectContaining({ status: 'REJECTED', reviewNote: 'no' })]);
  });

  it('refuses flags for unknown sessions and edits of unknown policies', async () => {
    await expect(flag('no-such-session')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.updatePolicy('nope', { enabled: false })).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.deletePolicy('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.getFlag('nope')).rejects.toBeInstanceOf(NotFoundError);
  });
});
