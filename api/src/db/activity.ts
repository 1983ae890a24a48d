import type { Database } from './database';

/** What the platform is doing now, across every node (it is read from the shared database). */
export interface PlatformActivity {
  liveSessions: number;
  /** User turns taken in the last minute. */
  turnsPerMinute: number;
  /** p95 of end of the user's turn → first audio over the answers of the window; null without answers. */
  firstAudioP95Ms: number | null;
  /** Answers the p95 is taken over. */
  answersInWindow: number;
  windowMinutes: number;
}

export async function platformActivity(db: Database, windowMinutes = 15): Promise<PlatformActivity> {
  const now = Date.now();
  const minuteAgo = new Date(now - 60_000);
  const windowStart = new Date(now - windowMinutes * 60_000);
  const [liveSessions, turnsPerMinute, [latency]] = await Promise.all([
    db.prisma.session.count({ where: { status: 'ACTIVE' } }),
    db.prisma.turn.count({ where: { role: 'USER', createdAt: { gt: minuteAgo } } }),
    db.prisma.$queryRaw<{ p95: number | null; answers: bigint }[]>`
      SELECT percentile_cont(0.95) WITHIN GROUP (ORDER BY ("timings"->>'firstAudioMs')::float8) AS p95,
             count(*) AS answers
      FROM "Turn"
      WHERE "role" = 'ASSISTANT' AND "createdAt" > ${windowStart} AND "timings" ? 'firstAudioMs'`,
  ]);
  return {
    liveSessions,
    turnsPerMinute,
    firstAudioP95Ms: latency?.p95 == null ? null : Math.round(latency.p95),
    answersInWindow: Number(latency?.answers ?? 0),
    windowMinutes,
  };
}
