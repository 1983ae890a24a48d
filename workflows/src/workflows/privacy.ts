import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { FAILURE, type PrivacyDeleteResult, type PrivacyExportResult, type PrivacyInput } from '../shared';
import { retryPolicy } from './retry';

// Bounded retries (about four minutes of a database that is away), then the request is marked FAILED and the
// user can ask again: a request never retries forever, nor starts over on data it already handled.
const db = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: retryPolicy({ maximumAttempts: 10 }),
});

// The long steps heartbeat after every page or batch: a worker that dies is noticed within the heartbeat timeout
// and another one starts the step again (an export from the top, a deletion from what is left).
const export_ = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '30s',
  retry: retryPolicy({ maximumAttempts: 3 }),
});
const deletion = proxyActivities<Activities>({
  startToCloseTimeout: '30m',
  heartbeatTimeout: '10s',
  retry: retryPolicy({ maximumAttempts: 10 }),
});

async function start(requestId: string, expected: 'EXPORT' | 'DELETE'): Promise<string> {
  const request = await db.startPrivacyRequest(requestId);
  if (request.kind !== expected || request.finished) {
    throw ApplicationFailure.create({
      message: request.finished
        ? `privacy request ${requestId} has already finished`
        : `privacy request ${requestId} is ${request.kind}, not ${expected}`,
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

/** Everything stored about the user as an NDJSON document, stored in parts for download; too large fails. */
export async function privacyExportWorkflow(input: PrivacyInput): Promise<PrivacyExportResult> {
  const userId = await start(input.requestId, 'EXPORT');
  return recordFailure(input.requestId, () => export_.exportUserData({ requestId: input.requestId, userId }));
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
