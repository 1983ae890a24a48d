import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FAILURE, type PrivacyDeleteResult, type PrivacyExportResult, type PrivacyInput } from '../shared';
import { retryPolicy } from './retry';

// No attempt limit: a privacy request must finish, however long the database is away.
const db = proxyActivities<Activities>({ startToCloseTimeout: '1m', retry: retryPolicy() });

// Deletion heartbeats after every batch: a worker that dies is noticed within the heartbeat timeout.
const deletion = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '10s',
  retry: retryPolicy(),
});

async function start(requestId: string, expected: 'EXPORT' | 'DELETE'): Promise<string> {
  const request = await db.startPrivacyRequest(requestId);
  if (request.kind !== expected) {
    throw ApplicationFailure.create({
      message: `privacy request ${requestId} is ${request.kind}, not ${expected}`,
      type: FAILURE.badInput,
      nonRetryable: true,
    });
  }
  return request.userId;
}

async function recordFailure<T>(requestId: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const cause = err instanceof Error && err.cause instanceof Error ? err.cause.message : String(err);
    await db.failPrivacyRequest({ requestId, error: cause });
    throw err;
  }
}

/** Everything stored about the user as one JSON document, saved on the PrivacyRequest for download. */
export async function privacyExportWorkflow(input: PrivacyInput): Promise<PrivacyExportResult> {
  const userId = await start(input.requestId, 'EXPORT');
  return recordFailure(input.requestId, () => db.exportUserData({ requestId: input.requestId, userId }));
}

/** Deletes the user's memories, moderation flags, session events, turns and sessions; the account itself stays. */
export async function privacyDeleteWorkflow(input: PrivacyInput): Promise<PrivacyDeleteResult> {
  const userId = await start(input.requestId, 'DELETE');
  return recordFailure(input.requestId, async () => {
    const deleted: Record<string, number> = {};
    // Children first (the repository's order): nothing is left pointing at a deleted parent if paused midway.
    for (const target of await db.listDeletionTargets()) {
      deleted[target] = await deletion.deleteUserData({ userId, target });
    }
    const result = {
      requestId: input.requestId,
      userId,
      deleted,
      empty: Object.values(deleted).every((n) => n === 0),
    };
    await db.completePrivacyRequest({ requestId: input.requestId, result });
    return result;
  });
}
