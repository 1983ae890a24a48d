/** What workflows, activities, the worker and the API's client facade agree on: queue names, ids and I/O shapes. */
import type { TranscriptTurn } from '../../api/src/adapters/summarizer/types';
import type { ExportSummary } from '../../api/src/db/privacy-repository';
import type { MaintenanceOptions } from '../../api/src/services/background';

export const TASK_QUEUE = 'avatar-background';

/** ApplicationFailure types: business errors that retrying cannot fix. */
export const FAILURE = {
  notFound: 'NotFound',
  badInput: 'BadInput',
  tooLarge: 'TooLarge',
} as const;

/** Most text a turn or memory may carry into a workflow (Temporal payloads stay small; longer is a bug upstream). */
export const MAX_WORKFLOW_TEXT_CHARS = 20_000;

export const workflowIds = {
  sessionSummary: (sessionId: string) => `session-summary-${sessionId}`,
  alignment: (turnId: string) => `alignment-${turnId}`,
  privacy: (requestId: string) => `privacy-${requestId}`,
  maintenance: 'memory-maintenance',
};

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

export type MaintenanceInput = MaintenanceOptions;

export interface MaintenanceResult {
  owners: number;
  pruned: number;
  compacted: number;
  purged: number;
}

export interface AlignmentInput {
  turnId: string;
  /** WAV file the TTS produced (any rate; converted to 16 kHz mono for the aligner)... */
  wavPath?: string;
  /** ...or the answer whose speech chunks (in the session's event log) hold the audio, as far as it was heard. */
  response?: AnswerAudio;
  /** The text that was spoken; defaults to the turn's text. */
  text?: string;
}

/** An answer's audio in the event log, with its sentences' places in it (each is aligned on its own). */
export interface AnswerAudio {
  sessionId: string;
  responseId: string;
  sentences?: { text: string; startMs: number; endMs: number }[];
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

export interface PrivacyExportResult extends ExportSummary {
  requestId: string;
  userId: string;
}
