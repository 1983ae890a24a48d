import { beforeAll, describe, expect, it } from 'vitest';
import { DATABASE_KINDS, useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import { NotFoundError } from '../errors';
import type { Database } from './database';
import { DELETION_TARGETS, PrivacyRepository } from './privacy-repository';

describe.each(DATABASE_KINDS)('privacy repository on %s Postgres', (kind) => {
  const database = useTestDatabase(kind);
  let db: Database;
  let repo: PrivacyRepository;

  beforeAll(async () => {
    db = database.db;
    repo = new PrivacyRepository(db);
  });

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

  it('refuses requests for unknown users, reads of unknown requests, and a second export while one runs', async () => {
    await expect(repo.createRequest('nobody', 'EXPORT')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.getRequest('nothing')).rejects.toBeInstanceOf(NotFoundError);
    await expect(repo.writeExport('any', 'nobody', { maxBytes: 1e6 })).rejects.toBeInstanceOf(NotFoundError);
    const s = await seedConversation(db);
    const [first, second] = await Promise.allSettled([
      repo.createRequest(s.userId, 'EXPORT', { maxActive: 1 }),
      repo.createRequest(s.userId, 'EXPORT', { maxActive: 1 }),
    ]);
    expect([first.status, second.status].sort()).toEqual(['fulfilled', 'rejected']);
    const refused = [first, second].find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect(refused.reason).toMatchObject({ code: 'RATE_LIMITED' });
    // Deletions are not exports: they are not held back by a running export.
    await expect(repo.createRequest(s.userId, 'DELETE', { maxActive: 1 })).resolves.toBeDefined();
  });

  /** The stored export as rows. */
  async function readRows(requestId: string) {
    let text = '';
    for await (const part of repo.readExport(requestId)) text += part;
    return text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { record: string; [field: string]: unknown });
  }

  it("exports a user's sessions with their turns and events page by page, in parts, and says when there is nothing", async () => {
    const s = await seedConversation(db, [
      { role: 'USER', text: 'My name is Ada.' },
      { role: 'ASSISTANT', text: 'Hello Ada.' },
    ]);
    // More sessions and events than one page, with audio-sized payloads, so the export spans pages and parts.
    const audio = 'A'.repeat(20_000);
    for (let i = 0; i < 240; i++) {
      const extra = await seedConversation(db, [], { userId: s.userId, personaId: s.personaId });
      await db.prisma.sessionEvent.create({
        data: { sessionId: extra.sessionId, seq: 1, type: 'SpeechChunk', payload: { audio } },
      });
    }
    const request = await repo.createRequest(s.userId, 'EXPORT');
    let pages = 0;
    const summary = await repo.writeExport(request.id, s.userId, { maxBytes: 64e6, onPage: () => pages++ });
    expect(summary).toMatchObject({
      empty: false,
      counts: { sessions: 241, turns: 2, events: 240, memories: 0 },
    });
    expect(summary.parts).toBeGreaterThan(1);
    expect(pages).toBeGreaterThan(4);
    const rows = await readRows(request.id);
    expect(rows[0]).toMatchObject({ record: 'export', userId: s.userId });
    expect(rows.filter((r) => r.record === 'session')).toHaveLength(241);
    expect(rows.filter((r) => r.record === 'event')).toHaveLength(240);
    expect(rows.find((r) => r.record === 'turn')).toMatchObject({ text: 'My name is Ada.' });
    // A retry starts over instead of appending to what an interrupted attempt wrote.
    await repo.writeExport(request.id, s.userId, { maxBytes: 64e6 });
    expect(await readRows(request.id)).toHaveLength(rows.length);

    const nobody = await db.prisma.user.create({ data: { username: `empty-${s.userId}` } });
    const empty = await repo.createRequest(nobody.id, 'EXPORT');
    expect((await repo.writeExport(empty.id, nobody.id, { maxBytes: 1e6 })).empty).toBe(true);
  });

  it('fails an export past its size cap with TOO_LARGE and leaves nothing of it behind', async () => {
    const s = await seedConversation(db, [{ role: 'USER', text: 'x'.repeat(5_000) }]);
    const request = await repo.createRequest(s.userId, 'EXPORT');
    await expect(repo.writeExport(request.id, s.userId, { maxBytes: 2_000 })).rejects.toMatchObject({
      code: 'TOO_LARGE',
    });
    expect(await db.prisma.privacyExportPart.count({ where: { requestId: request.id } })).toBe(0);
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
