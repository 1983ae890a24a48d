/** What workflows, activities, the worker and the API's client facade agree on: queue names, ids and I/O shapes. */

export const TASK_QUEUE = 'avatar-background';

/** ApplicationFailure types: business errors that retrying cannot fix. */
export const FAILURE = {
  notFound: 'NotFound',
  badInput: 'BadInput',
} as const;

/** Most text a turn or memory may carry into a workflow (Temporal payloads stay small; longer is a bug upstream). */
export const MAX_WORKFLOW_TEXT_CHARS = 20_000;

export const workflowIds = {
  sessionSummary: (sessionId: string) => `session-summary-${sessionId}`,
  alignment: (turnId: string) => `alignment-${turnId}`,
  privacy: (requestId: string) => `privacy-${requestId}`,
  maintenance: 'memory-maintenance',
};

export type MemoryKindName = 'FACT' | 'PREFERENCE' | 'EVENT' | 'SUMMARY';

export interface TranscriptTurn {
  id: string;
  role: 'USER' | 'ASSISTANT';
  text: string;
}

export interface ExtractedMemory {
  text: string;
  kind: MemoryKindName;
  /** 0..1: how much this is worth remembering. */
  importance: number;
}

export interface ConversationSummary {
  summary: string;
  memories: ExtractedMemory[];
}

/** Summarizes a conversation into a summary and durable memories: a local rule-based extractor or an LLM. */
export type Summarizer = (turns: TranscriptTurn[]) => Promise<ConversationSummary>;

export interface SessionSummaryInput {
  sessionId: string;
}

export interface SessionTranscript {
  sessionId: string;
  userId: string;
  personaId: string;
  turns: TranscriptTurn[];
  /** Turns left out because moderation flagged them and no reviewer approved them yet. */
  withheldTurns: number;
}

export interface SessionSummaryResult {
  sessionId: string;
  summary: string;
  inserted: number;
  duplicates: number;
  withheldTurns: number;
}

export interface MaintenanceInput {
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

export interface MaintenanceResult {
  owners: number;
  pruned: number;
  compacted: number;
  purged: number;
}

export interface AlignmentInput {
  turnId: string;
  /** WAV file the TTS produced (any rate; converted to 16 kHz mono for the aligner). */
  wavPath: string;
  /** The text that was spoken; defaults to the turn's text. */
  text?: string;
}

export interface WordTiming {
  word: string;
  startMs: number;
  endMs: number;
}

export interface PhoneTiming {
  /** ARPAbet phone (CMU dictionary). */
  phone: string;
  word: string;
  startMs: number;
  endMs: number;
}

export interface Alignment {
  source: 'pocketsphinx-forced';
  words: WordTiming[];
  phones: PhoneTiming[];
  /** Words of the text the aligner's dictionary does not know; they have no timings. */
  unknownWords: string[];
}

export interface PrivacyInput {
  requestId: string;
}

export interface PrivacyDeleteResult {
  requestId: string;
  userId: string;
  deleted: Record<string, number>;
  /** True when there was nothing stored about the user. */
  empty: boolean;
}

export interface PrivacyExportResult {
  requestId: string;
  userId: string;
  counts: Record<string, number>;
  empty: boolean;
}
