/**
 * Durable background work (memories, privacy), as the API sees it. The Temporal workflows in `workflows/`
 * implement it; the API only ever talks to this interface, so the packages depend one way.
 */
import type { EmbeddingAdapter } from '../adapters/embedding/types';
import type { Summarizer } from '../adapters/summarizer/types';
import type { Config } from '../config';
import type { Database } from '../db/database';
import type { Logger } from '../logger';
import type { PlatformTracing } from '../observability/tracing';

export interface MaintenanceOptions {
  /** Recency half-life for decay, in days (default 30). */
  halfLifeDays?: number;
  /** Memories whose importance × recency falls below this are pruned (default 0.05). */
  pruneBelow?: number;
  /** Memories older than this many days are compacted into one summary memory per user and persona (default 90). */
  compactAfterDays?: number;
  /** Compaction only pays off from this many old memories (default 5). */
  compactMinCount?: number;
  /** Soft-deleted memories older than this many days are purged (default 0: all). */
  purgeAfterDays?: number;
}

/** Every method returns the id of the workflow it started, stable per subject. */
export interface BackgroundWork {
  /** Summarizes a session into memories; again later stores only what is new. */
  startSessionSummary(sessionId: string): Promise<string>;
  /**
   * Records an export request for the user and starts it; the document is stored in parts and served by the
   * API. `maxActive` refuses (RATE_LIMITED) a user who already has that many exports running.
   */
  startPrivacyExport(
    userId: string,
    opts?: { maxActive?: number },
  ): Promise<{ requestId: string; workflowId: string }>;
  /** Records a deletion request for the user and starts it. */
  startPrivacyDelete(userId: string): Promise<{ requestId: string; workflowId: string }>;
  /**
   * Word and phone timings for an answer's speech that came without them, from the audio its chunks carried (only
   * what was heard of a cut answer), stored on its turn.
   */
  startAlignment(
    turnId: string,
    input: {
      response: {
        sessionId: string;
        responseId: string;
        /** Sentences with their places in the answer's audio: each is aligned on its own. */
        sentences?: { text: string; startMs: number; endMs: number }[];
      };
    },
  ): Promise<string>;
  /** Runs memory maintenance now, or on a cron schedule (e.g. `0 3 * * *`); one instance at a time. */
  startMemoryMaintenance(options?: MaintenanceOptions, cronSchedule?: string): Promise<string>;
  /** Waits for a workflow's result (tests, admin tools). */
  result<T>(workflowId: string): Promise<T>;
  /** Health check: the workflow engine answers. */
  ping(): Promise<void>;
}

/** What the background runtime gets from the API process: the same database and models. */
export interface BackgroundDeps {
  db: Database;
  embedding: EmbeddingAdapter;
  summarize: Summarizer;
  logger: Pick<Logger, 'info' | 'warn'>;
  /** An export larger than this fails as too large. */
  exportMaxBytes: number;
  /** Traces workflows and activities with the API's (undefined: tracing is off). */
  tracing?: PlatformTracing;
}

export interface BackgroundRuntime {
  /** Null when background work is off (WORKFLOWS=off). */
  readonly work: BackgroundWork | null;
  /** `embedded`: an engine this process started; `remote`: TEMPORAL_ADDRESS; `off`. */
  readonly mode: 'embedded' | 'remote' | 'off';
  stop(): Promise<void>;
}

/** Starts the background runtime the configuration asks for; the process entry point provides it. */
export type StartBackground = (config: Config, deps: BackgroundDeps) => Promise<BackgroundRuntime>;

export const BACKGROUND_OFF: BackgroundRuntime = { work: null, mode: 'off', stop: async () => undefined };
