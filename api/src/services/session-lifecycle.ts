import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { SessionActivity } from '../realtime/ports';
import type { BackgroundWork } from './background';
import type { SessionService } from './sessions';
import { LocalCounts, type SharedCounts } from './shared-counts';

const clientsKey = (sessionId: string) => `clients:${sessionId}`;

/** Why the platform ended a session by itself; `SessionEnded.reason` carries it. */
export const END_REASONS = {
  idle: 'idle',
  maxDuration: 'max duration',
  disconnected: 'client disconnected',
} as const;

export interface LifecycleOptions {
  /** No input and no client connection for this long ends a session. */
  idleTimeoutMs: number;
  /** No session lives longer than this. */
  maxDurationMs: number;
  /** After the last client connection drops, the session ends unless a client is back within this. */
  disconnectGraceMs: number;
  /** A long session is summarized into memories every this many user turns (0: only at its end). */
  summaryEveryTurns: number;
  /** How often the checks run. */
  tickMs?: number;
}

/** What this node knows of a session it serves. */
interface Watched {
  connections: number;
  /** When the last connection dropped, while none is open. */
  disconnectedAt: number | null;
  lastActivityAt: number;
  /** Activity not yet written to the database (it keeps other nodes' idle checks off this session). */
  dirty: boolean;
  turnsSinceSummary: number;
}

/** Most sessions ended per check, so one check stays short. */
const BATCH = 100;

/**
 * Ends sessions nobody uses any more, so that abandoned sessions free their resources and become memories:
 * idle ones (no input, no connection), ones past the maximum duration, and ones whose last client left and did
 * not come back within the grace period. Sessions this node serves are watched in memory; the rest (another
 * node's, or left over by a stopped process) are found in the database by their last activity. Long sessions
 * are summarized every few turns.
 */
export class SessionLifecycle implements SessionActivity {
  private readonly watched = new Map<string, Watched>();
  private readonly clients: SharedCounts;
  private timer: NodeJS.Timeout | null = null;
  private ticking: Promise<void> | null = null;
  private end: (sessionId: string, reason: string) => Promise<void> = async () => undefined;

  constructor(
    private readonly deps: {
      db: Database;
      sessions: SessionService;
      background: BackgroundWork | null;
      logger: Logger;
      /** Connected clients per session on every node: a client on another node keeps the session. */
      clients?: SharedCounts;
      now?: () => number;
    },
    private readonly options: LifecycleOptions,
  ) {
    this.clients = deps.clients ?? new LocalCounts();
  }

  /** Starts the checks; `end` ends a session everywhere (runtime, history, event log). */
  start(end: (sessionId: string, reason: string) => Promise<void>): void {
    this.end = end;
    const tickMs =
      this.options.tickMs ??
      Math.max(
        250,
        Math.min(5_000, this.options.idleTimeoutMs / 4, this.options.disconnectGraceMs / 4 || 5_000),
      );
    this.timer = setInterval(() => void this.check(), tickMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.ticking;
  }

  /** Sessions this node watches, for tests and health reports. */
  get size(): number {
    return this.watched.size;
  }

  async markActive(sessionId: string): Promise<void> {
    this.touch(sessionId);
    await this.deps.sessions.markActive(sessionId);
  }

  /** A user turn was taken: activity, and every few turns a summary into memories. */
  userTurn(sessionId: string): void {
    const watched = this.touch(sessionId);
    const every = this.options.summaryEveryTurns;
    if (every <= 0 || ++watched.turnsSinceSummary < every) return;
    watched.turnsSinceSummary = 0;
    this.deps.background
      ?.startSessionSummary(sessionId)
      .catch((err: unknown) =>
        this.deps.logger.warn({ err, sessionId }, 'could not summarize a long session'),
      );
  }

  /** A client connection (event subscription, audio socket) for the session opened on this node. */
  connected(sessionId: string): void {
    const watched = this.touch(sessionId);
    watched.connections++;
    watched.disconnectedAt = null;
    // Past any limit: this count only tells other nodes the session has a client here.
    void this.clients.take(clientsKey(sessionId));
  }

  disconnected(sessionId: string): void {
    const watched = this.watched.get(sessionId);
    if (!watched) return;
    watched.connections = Math.max(0, watched.connections - 1);
    if (watched.connections === 0) watched.disconnectedAt = this.now();
    void this.clients.give(clientsKey(sessionId));
  }

  /** The session ended (by anyone): nothing more to watch. */
  forget(sessionId: string): void {
    this.watched.delete(sessionId);
  }

  /** One round of checks; runs on a timer, and tests call it directly. */
  check(): Promise<void> {
    this.ticking ??= this.runChecks().finally(() => {
      this.ticking = null;
    });
    return this.ticking;
  }

  private async runChecks(): Promise<void> {
    try {
      const now = this.now();
      await this.persistActivity(now);
      const expired: [string, string][] = [];
      for (const [sessionId, watched] of this.watched) {
        if (
          watched.connections === 0 &&
          watched.disconnectedAt !== null &&
          watched.lastActivityAt <= watched.disconnectedAt &&
          now - watched.disconnectedAt >= this.options.disconnectGraceMs
        ) {
          if (await this.connectedElsewhere(sessionId)) watched.disconnectedAt = now;
          else expired.push([sessionId, END_REASONS.disconnected]);
        }
      }
      expired.push(...(await this.expiredInDatabase(now)));
      for (const [sessionId, reason] of expired.slice(0, BATCH)) {
        this.watched.delete(sessionId);
        await this.end(sessionId, reason).catch((err: unknown) =>
          this.deps.logger.warn({ err, sessionId, reason }, 'could not end an expired session'),
        );
      }
    } catch (err) {
      this.deps.logger.warn({ err }, 'session lifecycle check failed');
    }
  }

  /** Sessions with open connections here, or input since the last check, are active as far as anyone knows. */
  private async persistActivity(now: number): Promise<void> {
    const active = [...this.watched].filter(([, w]) => w.connections > 0 || w.dirty).map(([id]) => id);
    if (active.length === 0) return;
    await this.deps.db.prisma.session.updateMany({
      where: { id: { in: active }, status: { not: 'ENDED' } },
      data: { lastActivityAt: new Date(now) },
    });
    for (const id of active) {
      const watched = this.watched.get(id);
      if (watched) watched.dirty = false;
    }
  }

  /** Open sessions idle past the timeout, or older than the maximum duration, that no client holds here. */
  private async expiredInDatabase(now: number): Promise<[string, string][]> {
    const held = [...this.watched].filter(([, w]) => w.connections > 0).map(([id]) => id);
    const idleSince = new Date(now - this.options.idleTimeoutMs);
    const startedBefore = new Date(now - this.options.maxDurationMs);
    const rows = await this.deps.db.prisma.session.findMany({
      where: {
        status: { not: 'ENDED' },
        OR: [
          { lastActivityAt: { lt: idleSince }, id: { notIn: held } },
          { lastActivityAt: null, createdAt: { lt: idleSince }, id: { notIn: held } },
          { createdAt: { lt: startedBefore } },
        ],
      },
      select: { id: true, createdAt: true },
      take: BATCH,
    });
    return rows.map((row) => [
      row.id,
      row.createdAt.getTime() < startedBefore.getTime() ? END_REASONS.maxDuration : END_REASONS.idle,
    ]);
  }

  /** Whether a client follows the session on another node; when that cannot be known, it is assumed. */
  private async connectedElsewhere(sessionId: string): Promise<boolean> {
    try {
      return (await this.clients.elsewhere(clientsKey(sessionId))) > 0;
    } catch (err) {
      this.deps.logger.warn(
        { err, sessionId },
        'could not learn whether other nodes hold clients of a session',
      );
      return true;
    }
  }

  private touch(sessionId: string): Watched {
    let watched = this.watched.get(sessionId);
    if (!watched) {
      watched = {
        connections: 0,
        disconnectedAt: null,
        lastActivityAt: this.now(),
        dirty: true,
        turnsSinceSummary: 0,
      };
      this.watched.set(sessionId, watched);
    }
    watched.lastActivityAt = this.now();
    watched.dirty = true;
    return watched;
  }

  private now(): number {
    return this.deps.now?.() ?? Date.now();
  }
}
