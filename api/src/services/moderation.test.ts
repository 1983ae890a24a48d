import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeOpenAI, startFakeOpenAI } from '../../test-support/fake-openai-server';
import { seedConversation } from '../../test-support/seed';
import { OpenAIModerator } from '../adapters/moderation/openai';
import { type Database, openDatabase } from '../db/database';
import { BadInputError, NotFoundError } from '../errors';
import { ModerationService } from './moderation';

const quietLogger = { warn: () => undefined, info: () => undefined };

describe('moderation service (pre-send filter)', () => {
  let db: Database;
  let openai: FakeOpenAI;
  let service: ModerationService;

  beforeAll(async () => {
    [db, openai] = await Promise.all([openDatabase({}), startFakeOpenAI({ flaggedTerms: ['secret plan'] })]);
    service = new ModerationService({ db, logger: quietLogger, cacheTtlMs: 0 });
    await service.repository.createPolicy({
      name: 'house rules',
      categories: [
        { name: 'violence', terms: ['stab'], action: 'REPLACE' },
        { name: 'medical', terms: ['dosage'], action: 'FLAG' },
      ],
      blockTerms: ['darn'],
      allowTerms: ['darn tough'],
    });
  });
  afterAll(async () => {
    await Promise.all([db.close(), openai.close()]);
  });

  it('passes clean text through unchanged and records nothing', async () => {
    const s = await seedConversation(db);
    const outcome = await service.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'Nice weather today!',
    });
    expect(outcome).toEqual({ allowed: true, text: 'Nice weather today!' });
    expect((await service.repository.listFlags({ sessionId: s.sessionId })).flags).toEqual([]);
  });

  it("replaces a violating answer with the persona's safe fallback and queues the original for review", async () => {
    const s = await seedConversation(db);
    const outcome = await service.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'I could STAB it.',
    });
    expect(outcome).toMatchObject({
      allowed: false,
      text: 'Let us talk about something else.',
      category: 'violence',
    });
    const flag = await service.repository.getFlag(outcome.flagId!);
    expect(flag).toMatchObject({
      status: 'PENDING',
      text: 'I could STAB it.',
      replacement: 'Let us talk about something else.',
    });
  });

  it('lets FLAG-category text through but still queues it', async () => {
    const s = await seedConversation(db);
    const outcome = await service.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'The dosage is on the box.',
    });
    expect(outcome).toMatchObject({ allowed: true, text: 'The dosage is on the box.', category: 'medical' });
    expect(outcome.flagId).toBeDefined();
  });

  it('honours allow terms over block terms', async () => {
    const s = await seedConversation(db);
    expect(
      (
        await service.moderate({
          sessionId: s.sessionId,
          personaId: s.personaId,
          text: 'These boots are darn tough.',
        })
      ).allowed,
    ).toBe(true);
    expect(
      (await service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'Oh darn.' })).allowed,
    ).toBe(false);
  });

  it('asks OpenAI moderation when configured, and keeps talking on local rules when it is down', async () => {
    const s = await seedConversation(db);
    const withRemote = new ModerationService({
      db,
      logger: quietLogger,
      remote: new OpenAIModerator({ baseURL: openai.baseURL }),
    });
    const outcome = await withRemote.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'Here is the secret plan.',
    });
    expect(outcome).toMatchObject({ allowed: false, category: 'remote:harassment' });
    expect(openai.requests.at(-1)?.path).toBe('/moderations');

    const warnings: unknown[] = [];
    const down = new ModerationService({
      db,
      logger: { warn: (obj: unknown) => warnings.push(obj), info: () => undefined },
      remote: new OpenAIModerator({ baseURL: 'http://127.0.0.1:9/v1', timeoutMs: 1_000 }),
    });
    expect(
      (await down.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'Hello there.' })).allowed,
    ).toBe(true);
    expect(
      (await down.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'I will stab.' })).allowed,
    ).toBe(false);
    expect(warnings).toHaveLength(1);
  });

  it('records the reviewer when flags are approved or rejected in bulk', async () => {
    const s = await seedConversation(db);
    const reviewer = await db.prisma.user.create({ data: { username: 'reviewer', role: 'ADMIN' } });
    const a = await service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'stab one' });
    const b = await service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'stab two' });
    const reviewed = await service.review(
      [a.flagId!, b.flagId!],
      'APPROVED',
      reviewer.id,
      'quote from a film',
    );
    expect(reviewed.map((f) => [f.status, f.reviewerId, f.reviewNote])).toEqual([
      ['APPROVED', reviewer.id, 'quote from a film'],
      ['APPROVED', reviewer.id, 'quote from a film'],
    ]);
    const [rejected] = await service.review([a.flagId!], 'REJECTED', reviewer.id);
    expect(rejected!.status).toBe('REJECTED');
    expect((await service.repository.listFlags({ status: 'PENDING', sessionId: s.sessionId })).flags).toEqual(
      [],
    );
  });

  it('gives typed errors for empty or oversized text, unknown persona, session, flag or reviewer', async () => {
    const s = await seedConversation(db);
    await expect(
      service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: ' ' }),
    ).rejects.toBeInstanceOf(BadInputError);
    await expect(
      service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'a'.repeat(20_001) }),
    ).rejects.toBeInstanceOf(BadInputError);
    await expect(
      service.moderate({ sessionId: s.sessionId, personaId: 'nope', text: 'hi' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      service.moderate({ sessionId: 'nope', personaId: s.personaId, text: 'stab' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.review(['nope'], 'APPROVED', s.userId)).rejects.toBeInstanceOf(NotFoundError);
    const flag = await service.moderate({ sessionId: s.sessionId, personaId: s.personaId, text: 'stab' });
    await expect(service.review([flag.flagId!], 'APPROVED', 'nobody')).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      service.repository.createPolicy({ name: 'bad', categories: [{ name: 'x' }] }),
    ).rejects.toBeInstanceOf(BadInputError);
  });
});
