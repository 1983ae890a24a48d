import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { NativeConnection, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeEmbedding } from '../../api/src/adapters/embedding/testing/fake';
import { ruleBasedSummarizer } from '../../api/src/adapters/summarizer/summarizers';
import { type Database, openDatabase } from '../../api/src/db/database';
import { MemoryRepository } from '../../api/src/db/memory-repository';
import { PrivacyRepository } from '../../api/src/db/privacy-repository';
import { NotFoundError, ProviderError } from '../../api/src/errors';
import { ModerationService } from '../../api/src/services/moderation';
import { seedConversation } from '../../api/test-support/seed';
import { type ActivityDeps, createActivities } from './activities';
import { WorkflowsClient } from './client';
import { type DevServer, startDevServer } from './dev-server';
import {
  FAILURE,
  type MaintenanceResult,
  type PrivacyDeleteResult,
  type SessionSummaryResult,
  TASK_QUEUE,
} from './shared';
import { bundleWorkflows, quietTemporalRuntime, type RunningWorker, startWorker } from './worker';

const quiet = { info: () => undefined, warn: () => undefined };

/** The failure a workflow ended with, as Temporal reports it to the client. */
async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(WorkflowFailedError);
  let cause: unknown = (error as WorkflowFailedError).cause;
  // An activity's failure arrives wrapped in an ActivityFailure.
  while (cause instanceof Error && !(cause instanceof ApplicationFailure)) cause = cause.cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

describe('workflows on a real Temporal dev server', () => {
  let server: DevServer;
  let db: Database;
  let bundle: WorkflowBundleWithSourceMap;
  let connection: NativeConnection;
  let worker: RunningWorker;
  let client: WorkflowsClient;
  const embedding = new FakeEmbedding();
  let deps: ActivityDeps;

  beforeAll(async () => {
    // Workflows failing on purpose below would log warnings.
    quietTemporalRuntime('ERROR');
    [server, db, bundle] = await Promise.all([startDevServer(), openDatabase({}), bundleWorkflows()]);
    connection = await NativeConnection.connect({ address: server.address });
    deps = { db, embedding, summarize: ruleBasedSummarizer, logger: quiet, deleteBatchSize: 20 };
    worker = await startWorker({ connection, deps, workflowBundle: bundle });
    client = await WorkflowsClient.connect({ address: server.address, db });
  });

  afterAll(async () => {
    await client?.close();
    await worker?.stop();
    await connection?.close();
    await Promise.all([server?.stop(), db?.close()]);
  });

  const conversation = [
    { role: 'USER' as const, text: 'Hello! My name is Ada and I live in Oslo.' },
    { role: 'ASSISTANT' as const, text: 'Nice to meet you, Ada.' },
    { role: 'USER' as const, text: 'I love hiking in the mountains. What should I pack?' },
    { role: 'ASSISTANT' as const, text: 'Water, a map and a warm jacket.' },
  ];

  it('summarizes an ended session into memories that carry their source session, and stores nothing twice', async () => {
    const s = await seedConversation(db, conversation);
    const result = await client.result<SessionSummaryResult>(await client.startSessionSummary(s.sessionId));
    expect(result.inserted).toBe(3); // two memories and the session summary
    const stored = await db.prisma.memory.findMany({
      where: { userId: s.userId },
      orderBy: { createdAt: 'asc' },
    });
    expect(stored.map((m) => [m.text, m.kind, m.sourceSessionId])).toEqual([
      ["The user's name is Ada and the user lives in Oslo.", 'FACT', s.sessionId],
      ['The user loves hiking in the mountains.', 'PREFERENCE', s.sessionId],
      [expect.stringContaining('Conversation of 4 turns'), 'SUMMARY', s.sessionId],
    ]);
    const found = await new MemoryRepository(db).search({
      userId: s.userId,
      personaId: s.personaId,
      embedding: embedding.vectorOf('where does the user live Oslo'),
      limit: 1,
    });
    expect(found[0]?.text).toContain('Oslo');

    const again = await client.result<SessionSummaryResult>(await client.startSessionSummary(s.sessionId));
    expect(again).toMatchObject({ inserted: 0, duplicates: 3 });
  });

  it('writes no memory from a flagged turn until a reviewer approves it', async () => {
    const s = await seedConversation(db, [
      { role: 'USER', text: 'I work as a locksmith.' },
      { role: 'USER', text: 'My favourite film is about a heist.' },
    ]);
    const moderation = new ModerationService({ db, logger: quiet });
    await moderation.repository.createPolicy({
      name: `heists-${s.sessionId}`,
      blockTerms: ['heist'],
      personaId: s.personaId,
    });
    const outcome = await moderation.moderate({
      sessionId: s.sessionId,
      personaId: s.personaId,
      text: 'My favourite film is about a heist.',
      turnId: s.turnIds[1],
    });
    expect(outcome.allowed).toBe(false);

    const first = await client.result<SessionSummaryResult>(await client.startSessionSummary(s.sessionId));
    expect(first.withheldTurns).toBe(1);
    const texts = async () =>
      (await db.prisma.memory.findMany({ where: { userId: s.userId } })).map((m) => m.text);
    expect((await texts()).some((t) => t.includes('heist'))).toBe(false);

    await moderation.review([outcome.flagId!], 'APPROVED', s.userId);
    const second = await client.result<SessionSummaryResult>(await client.startSessionSummary(s.sessionId));
    expect(second.withheldTurns).toBe(0);
    expect(await texts()).toContain("The user's favourite film is about a heist.");
  });

  it('retries an activity whose dependency is down, with backoff, and completes once it is back', async () => {
    const s = await seedConversation(db, conversation.slice(0, 1));
    const callsBefore = embedding.calls.length;
    embedding.error = new ProviderError('fake-embedding', 'connection refused');
    const workflowId = await client.startSessionSummary(s.sessionId);
    while (embedding.calls.length < callsBefore + 2) await new Promise((r) => setTimeout(r, 100));
    embedding.error = undefined;
    const result = await client.result<SessionSummaryResult>(workflowId);
    expect(result.inserted).toBeGreaterThan(0);
    expect(embedding.calls.length).toBeGreaterThanOrEqual(callsBefore + 3);
    const history = await client.client.workflow.getHandle(workflowId).fetchHistory();
    const started = history.events?.filter((e) => e.activityTaskStartedEventAttributes) ?? [];
    expect(
      Math.max(...started.map((e) => e.activityTaskStartedEventAttributes?.attempt ?? 0)),
    ).toBeGreaterThanOrEqual(3);
  });

  it('fails fast with typed errors for unknown ids and empty or oversized text', async () => {
    const unknownSession = await failureOf(
      client.result(await client.startSessionSummary('no-such-session')),
    );
    expect(unknownSession.type).toBe(FAILURE.notFound);
    const unknownTurn = await failureOf(
      client.result(await client.startAlignment('no-such-turn', { wavPath: '/dev/null' })),
    );
    expect(unknownTurn.type).toBe(FAILURE.notFound);
    const s = await seedConversation(db, [{ role: 'ASSISTANT', text: 'hi' }]);
    const empty = await failureOf(
      client.result(await client.startAlignment(s.turnIds[0]!, { wavPath: '/dev/null', text: ' ' })),
    );
    expect(empty.type).toBe(FAILURE.badInput);
    const big = await failureOf(
      client.result(
        await client.startAlignment(`${s.turnIds[0]!}`, {
          wavPath: '/dev/null',
          text: 'word '.repeat(5_000),
        }),
      ),
    );
    expect(big.type).toBe(FAILURE.badInput);
    await expect(client.startPrivacyExport('no-such-user')).rejects.toBeInstanceOf(NotFoundError);
    const unknownRequest = await failureOf(
      client.client.workflow.execute('privacyDeleteWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId: 'privacy-no-such-request',
        args: [{ requestId: 'no-such-request' }],
      }),
    );
    expect(unknownRequest.type).toBe(FAILURE.notFound);
  });

  it('aligns real espeak-ng speech with pocketsphinx and stores the timings on the turn', async () => {
    const text = 'hello there my friend how are you today';
    const s = await seedConversation(db, [{ role: 'ASSISTANT', text }]);
    const dir = mkdtempSync(path.join(tmpdir(), 'tts-'));
    try {
      const wavPath = path.join(dir, 'speech.wav');
      execFileSync('espeak-ng', ['-w', wavPath, text]);
      await client.result(await client.startAlignment(s.turnIds[0]!, { wavPath }));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    const turn = await db.prisma.turn.findUniqueOrThrow({ where: { id: s.turnIds[0]! } });
    const alignment = turn.alignment as {
      words: { word: string; startMs: number; endMs: number }[];
      phones: { phone: string }[];
    };
    expect(alignment.words.map((w) => w.word)).toEqual(text.split(' '));
    for (const [i, w] of alignment.words.entries()) {
      expect(w.endMs).toBeGreaterThan(w.startMs);
      if (i > 0) expect(w.startMs).toBeGreaterThanOrEqual(alignment.words[i - 1]!.endMs);
    }
    expect(alignment.phones.slice(0, 4).map((p) => p.phone)).toEqual(['HH', 'AH', 'L', 'OW']);
  });

  it('exports everything about a user as one NDJSON document in parts, and says so when there is nothing', async () => {
    const s = await seedConversation(db, conversation);
    await client.result(await client.startSessionSummary(s.sessionId));
    const { requestId, workflowId } = await client.startPrivacyExport(s.userId);
    const result = await client.result<{ counts: Record<string, number>; empty: boolean }>(workflowId);
    expect(result).toMatchObject({ empty: false, counts: { sessions: 1, turns: 4, memories: 3 } });
    const request = await db.prisma.privacyRequest.findUniqueOrThrow({ where: { id: requestId } });
    expect(request.status).toBe('COMPLETED');
    expect(request.result).toMatchObject({ download: `/api/privacy/exports/${requestId}` });
    let text = '';
    for await (const part of new PrivacyRepository(db).readExport(requestId)) text += part;
    const rows = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { record: string; text?: string; embedding?: number[] });
    expect(rows.find((r) => r.record === 'turn')?.text).toBe(conversation[0]!.text);
    expect(rows.find((r) => r.record === 'memory')?.embedding).toHaveLength(384);

    const nobody = await db.prisma.user.create({ data: { username: `empty-${requestId}` } });
    const emptyExport = await client.startPrivacyExport(nobody.id);
    expect(await client.result(emptyExport.workflowId)).toMatchObject({ empty: true });
    const emptyDelete = await client.startPrivacyDelete(nobody.id);
    expect(await client.result(emptyDelete.workflowId)).toMatchObject({ empty: true });
  });

  it('decays, compacts and purges memories in maintenance', async () => {
    const s = await seedConversation(db);
    const repo = new MemoryRepository(db);
    const texts = [
      'likes jazz',
      'has a cat',
      'plays chess',
      'reads sci-fi',
      'drinks tea',
      'visited Rome once',
    ];
    await repo.insert(
      texts.map((text, i) => ({
        userId: s.userId,
        personaId: s.personaId,
        text,
        kind: 'FACT' as const,
        importance: i === 5 ? 0.05 : 0.8,
        embedding: embedding.vectorOf(text),
      })),
    );
    // All of them from half a year ago; the unimportant one has decayed below the floor.
    await db.sql.query(`UPDATE "Memory" SET "createdAt" = now() - interval '180 days' WHERE "userId" = $1`, [
      s.userId,
    ]);
    const result = await client.result<MaintenanceResult>(
      await client.startMemoryMaintenance({ halfLifeDays: 365 }),
    );
    expect(result.pruned).toBeGreaterThanOrEqual(1);
    expect(result.compacted).toBeGreaterThanOrEqual(5);
    expect(result.purged).toBeGreaterThanOrEqual(6);
    const left = await db.prisma.memory.findMany({ where: { userId: s.userId } });
    expect(left.map((m) => m.kind)).toEqual(['SUMMARY']);
  });

  it('finishes a deletion after the worker running it is stopped midway and another one takes over', async () => {
    const s = await seedConversation(
      db,
      Array.from({ length: 60 }, (_, i) => ({
        role: i % 2 ? ('ASSISTANT' as const) : ('USER' as const),
        text: `turn ${i}`,
      })),
    );
    await client.result(await client.startSessionSummary(s.sessionId));
    const taskQueue = `deletion-${s.userId}`;
    const queueClient = await WorkflowsClient.connect({ address: server.address, db, taskQueue });

    // Worker A deletes memories, then hangs on turns until it is stopped (as a crashed or redeployed worker would).
    let reachedTurns!: () => void;
    const hanging = new Promise<void>((resolve) => {
      reachedTurns = resolve;
    });
    const real = createActivities(deps);
    const workerA = await startWorker({
      connection,
      taskQueue,
      workflowBundle: bundle,
      shutdownGraceTimeMs: 100,
      activities: {
        ...real,
        deleteUserData: async (input) => {
          if (input.target !== 'turns') return real.deleteUserData(input);
          reachedTurns();
          const signal = Context.current().cancellationSignal;
          return new Promise<number>((_resolve, reject) =>
            signal.addEventListener('abort', () => reject(signal.reason)),
          );
        },
      },
    });
    const { requestId, workflowId } = await queueClient.startPrivacyDelete(s.userId);
    await hanging;
    expect(await db.prisma.memory.count({ where: { userId: s.userId } })).toBe(0);
    expect(await db.prisma.turn.count({ where: { sessionId: s.sessionId } })).toBe(60);
    await workerA.stop();

    const workerB = await startWorker({ connection, deps, taskQueue, workflowBundle: bundle });
    try {
      const result = await queueClient.result<PrivacyDeleteResult>(workflowId);
      expect(result.deleted).toMatchObject({ turns: 60, sessions: 1 });
      expect(result.deleted.memories).toBeGreaterThan(0);
    } finally {
      await workerB.stop();
      await queueClient.close();
    }
    expect(await db.prisma.session.count({ where: { userId: s.userId } })).toBe(0);
    expect((await db.prisma.privacyRequest.findUniqueOrThrow({ where: { id: requestId } })).status).toBe(
      'COMPLETED',
    );
  });
});
