import { proxyActivities } from '@temporalio/workflow';
import type { Activities } from '../activities';
import type { SessionSummaryInput, SessionSummaryResult } from '../shared';
import { retryPolicy } from './retry';

const db = proxyActivities<Activities>({ startToCloseTimeout: '30s', retry: retryPolicy() });

// The summarizer may be a remote LLM: a longer timeout, and a slower backoff while it is down.
const llm = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  retry: retryPolicy({ maximumInterval: '2m' }),
});

/**
 * When a session ends (or periodically during a long one): summarize it, extract durable memories, embed and
 * store them with their source session. Re-running it stores nothing twice (memories are deduplicated).
 */
export async function sessionSummaryWorkflow(input: SessionSummaryInput): Promise<SessionSummaryResult> {
  const transcript = await db.loadSessionTranscript(input.sessionId);
  const base = { sessionId: input.sessionId, withheldTurns: transcript.withheldTurns };
  if (transcript.turns.length === 0) return { ...base, summary: '', inserted: 0, duplicates: 0 };
  const { summary, memories } = await llm.summarizeConversation(transcript.turns);
  const stored = await db.storeSessionMemories({
    sessionId: input.sessionId,
    userId: transcript.userId,
    personaId: transcript.personaId,
    summary,
    memories,
  });
  return { ...base, summary, ...stored };
}
