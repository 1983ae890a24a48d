import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { MaintenanceInput, MaintenanceResult } from '../shared';
import { retryPolicy } from './retry';

const activities = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  retry: retryPolicy({ initialInterval: '2s', maximumInterval: '5m' }),
});

const DAY_MS = 86_400_000;

/** Decay (importance × recency) and pruning, compaction of old memories into summaries, purge of deleted ones. */
export async function memoryMaintenanceWorkflow(input: MaintenanceInput = {}): Promise<MaintenanceResult> {
  // Date.now() is deterministic inside a workflow (the time of the current workflow task).
  const nowMs = Date.now();
  const owners = await activities.listMemoryOwners();
  let pruned = 0;
  let compacted = 0;
  for (const owner of owners) {
    const result = await activities.maintainMemories({
      ...owner,
      nowMs,
      halfLifeDays: input.halfLifeDays ?? 30,
      pruneBelow: input.pruneBelow ?? 0.05,
      compactAfterDays: input.compactAfterDays ?? 90,
      compactMinCount: input.compactMinCount ?? 5,
    });
    pruned += result.pruned;
    compacted += result.compacted;
  }
  const purged = await activities.purgeDeletedMemories(nowMs - (input.purgeAfterDays ?? 0) * DAY_MS);
  return { owners: owners.length, pruned, compacted, purged };
}
