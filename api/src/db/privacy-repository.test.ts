import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedConversation } from '../../test-support/seed';
import { NotFoundError } from '../errors';
import { type Database, openDatabase } from './database';
import { DELETION_TARGETS, PrivacyRepository } from './privacy-repository';

describe('privacy repository', () => {
  let db: Database;
  let repo: PrivacyRepository;

  beforeAll(async () => {
    db = await openDatabase({});
    repo = new PrivacyRepository(db);
  });
  afterAll(() => db.close());

  it('records a request and carries it from pending to running to completed or failed', async () => {
    const s = await seedConversation(db);
    const request = await repo.createRequest(s.userId, 'EXPORT');
    expect(request.status).toBe('PENDING');
    await repo.setWorkflowId(request.id, 'privacy-x');
    expect(await repo.markRunning(request.id)).toMatchObject({ status: 'RUNNING', workflowId: 'privacy-x' });
    // A retried activity finds it running and leaves it so.
    expect((await repo.markRunning(request.id)).status).toBe('RUNNING');
    await repo.complete(request.id, { ok: true });
    expect(await repo.getRequest(request.id)).toMatchObject({ status: 'COMPLETED', result: { ok: true } });
    const failing = await repo.createRequest(s.userId, 'DELETE');
    await repo.fail(failing.id, 'database away');
    expect(await repo.getRequest(failing.id)).toMatchObject({ status: 'FAILED', error: 'database away' });
  });

  it('refuses requests for unknown users and reads of unknown requests', async () => {
    await expect(repo.createRequest('nobody', 'EXPORT')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.getRequest('nothing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.exportUser('nobody')).rejects.toBeInstanceOf(NotFoundError);
  });

  it("exports a user's sessions with their turns, and says when there is nothing", async () => {
    const s = await seedConversation(db, [
      { role: 'USER', text: 'My name is Ada.' },
      { role: 'ASSISTANT', text: 'Hello Ada.' },
    ]);
    const document = await repo.exportUser(s.userId);
    expect(document.counts).toMatchObject({ sessions: 1, turns: 2, memories: 0 });
    expect(document.empty).toBe(false);
    const nobody = await db.prisma.user.create({ data: { username: `empty-${s.userId}` } });
    expect((await repo.exportUser(nobody.id)).empty).toBe(true);
  });

  it('deletes in small batches, children before parents, and reports 0 once a kind is gone', async () => {
    const s = await seedConversation(db, [
      { role: 'USER', text: 'one' },
      { role: 'ASSISTANT', text: 'two' },
      { role: 'USER', text: 'three' },
    ]);
    const other = await seedConversation(db, [{ role: 'USER', text: 'not mine' }]);
    expect(await repo.deleteBatch(s.userId, 'turns', 2)).toBe(2);
    expect(await repo.deleteBatch(s.userId, 'turns', 2)).toBe(1);
    expect(await repo.deleteBatch(s.userId, 'turns', 2)).toBe(0);
    for (const target of DELETION_TARGETS) while ((await repo.deleteBatch(s.userId, target, 10)) > 0);
    expect(await db.prisma.session.count({ where: { userId: s.userId } })).toBe(0);
    expect(await repo.userExists(s.userId)).toBe(true);
    expect(await db.prisma.turn.count({ where: { sessionId: other.sessionId } })).toBe(1);
  });
});
