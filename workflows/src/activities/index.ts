import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { encodeWav } from '../../../api/src/adapters/audio/wav';
import type {
  ConversationSummary,
  ExtractedMemory,
  TranscriptTurn,
} from '../../../api/src/adapters/summarizer/types';
import { SessionEventLog } from '../../../api/src/db/event-log';
import { MAX_MEMORY_TEXT_CHARS, MemoryRepository } from '../../../api/src/db/memory-repository';
import { BLOCKING_FLAG_STATUSES } from '../../../api/src/db/moderation-repository';
import {
  DEFAULT_EXPORT_MAX_BYTES,
  DELETION_TARGETS,
  type DeletionTarget,
  exportDownloadPath,
  PrivacyRepository,
} from '../../../api/src/db/privacy-repository';
import { retentionScore } from '../../../api/src/domain/memory-ranking';
import { AppError } from '../../../api/src/errors';
import type { Prisma } from '../../../api/src/generated/prisma/client';
import type { BackgroundDeps } from '../../../api/src/services/background';
import {
  type Alignment,
  type AnswerAudio,
  FAILURE,
  MAX_WORKFLOW_TEXT_CHARS,
  type PrivacyDeleteResult,
  type PrivacyExportResult,
  type SessionTranscript,
} from '../shared';
import { type ForcedAligner, PocketsphinxAligner } from './pocketsphinx-aligner';

/** The API's background dependencies (the export cap defaults to 256 MB), plus what tests may replace. */
export interface ActivityDeps extends Omit<BackgroundDeps, 'exportMaxBytes'> {
  exportMaxBytes?: number;
  aligner?: ForcedAligner;
  /** Rows per deletion step: small enough for short transactions, large enough to finish quickly. */
  deleteBatchSize?: number;
}

const DAY_MS = 86_400_000;
/** A conversation yields a handful of durable memories; more means the summarizer is rambling. */
const MAX_MEMORIES_PER_SESSION = 50;

/**
 * Our typed errors become non-retryable ApplicationFailures (a missing row stays missing); everything else
 * (provider down, database restarting) is thrown as is, so Temporal retries it with backoff.
 */
const BUSINESS_FAILURES: Partial<Record<AppError['code'], string>> = {
  NOT_FOUND: FAILURE.notFound,
  BAD_INPUT: FAILURE.badInput,
  TOO_LARGE: FAILURE.tooLarge,
};

async function businessErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const type = err instanceof AppError ? BUSINESS_FAILURES[err.code] : undefined;
    if (err instanceof AppError && type) {
      throw ApplicationFailure.create({
        message: err.message,
        type,
        nonRetryable: true,
        details: [err.details ?? {}],
      });
    }
    throw err;
  }
}

function notFound(entity: string, id: string): ApplicationFailure {
  return ApplicationFailure.create({
    message: `${entity} ${id} not found`,
    type: FAILURE.notFound,
    nonRetryable: true,
  });
}

/** Every activity is idempotent: a retry after a crash halfway repeats no side effect twice. */
export function createActivities(deps: ActivityDeps) {
  const memories = new MemoryRepository(deps.db);
  const privacy = new PrivacyRepository(deps.db);
  const aligner = deps.aligner ?? new PocketsphinxAligner();
  const batchSize = deps.deleteBatchSize ?? 500;

  return {
    /** The session's turns in order, leaving out turns with pending or rejected moderation flags. */
    async loadSessionTranscript(sessionId: string): Promise<SessionTranscript> {
      const session = await deps.db.prisma.session.findUnique({
        where: { id: sessionId },
        include: {
          turns: {
            orderBy: [{ createdAt: 'asc' }, { id: 'asc' }],
            include: { flags: { select: { status: true, text: true, replacement: true } } },
          },
        },
      });
      if (!session) throw notFound('Session', sessionId);
      const withheld = session.turns.filter((t) =>
        t.flags.some((f) => BLOCKING_FLAG_STATUSES.includes(f.status)),
      );
      const turns: TranscriptTurn[] = session.turns
        .filter((t) => !withheld.includes(t))
        .map((t) => {
          // A reviewer approved what the fallback line replaced: the original is what the conversation was about.
          const approved = t.flags.find((f) => f.status === 'APPROVED' && f.replacement !== null);
          return {
            id: t.id,
            role: t.role,
            text: (approved?.text ?? t.text).slice(0, MAX_WORKFLOW_TEXT_CHARS),
          };
        })
        .filter((t) => t.text.trim() !== '');
      return {
        sessionId,
        userId: session.userId,
        personaId: session.personaId,
        turns,
        withheldTurns: withheld.length,
      };
    },

    /** Runs the summarizer and keeps only memories that can be stored (non-empty, short enough, sane importance). */
    async summarizeConversation(turns: TranscriptTurn[]): Promise<ConversationSummary> {
      const result = await deps.summarize(turns);
      const valid = (m: ExtractedMemory) => m.text.trim() !== '' && m.text.length <= MAX_MEMORY_TEXT_CHARS;
      return {
        summary: result.summary.trim().slice(0, MAX_MEMORY_TEXT_CHARS),
        memories: result.memories
          .filter(valid)
          .slice(0, MAX_MEMORIES_PER_SESSION)
          .map((m) => ({
            text: m.text.trim(),
            kind: m.kind,
            importance: Math.min(1, Math.max(0, m.importance)),
          })),
      };
    },

    /** Embeds and stores the memories (and the summary) of a session; duplicates of existing memories are skipped. */
    async storeSessionMemories(input: {
      sessionId: string;
      userId: string;
      personaId: string;
      summary: string;
      memories: ExtractedMemory[];
    }): Promise<{ inserted: number; duplicates: number }> {
      const items = [...input.memories];
      if (input.summary) items.push({ text: input.summary, kind: 'SUMMARY', importance: 0.3 });
      if (items.length === 0) return { inserted: 0, duplicates: 0 };
      const vectors = await deps.embedding.embed(items.map((m) => m.text));
      const result = await businessErrors(() =>
        memories.insert(
          items.map((m, i) => ({
            userId: input.userId,
            personaId: input.personaId,
            text: m.text,
            kind: m.kind,
            importance: m.importance,
            embedding: vectors[i]!,
            sourceSessionId: input.sessionId,
          })),
        ),
      );
      deps.logger.info(
        { sessionId: input.sessionId, inserted: result.inserted.length },
        'session memories stored',
      );
      return { inserted: result.inserted.length, duplicates: result.duplicates.length };
    },

    async listMemoryOwners(): Promise<{ userId: string; personaId: string }[]> {
      return memories.owners();
    },

    /**
     * Decay and compaction for one user and persona: prunes memories whose importance × recency fell below the
     * floor, then folds old ones into a single SUMMARY memory. Re-running after a crash redoes only what is left.
     */
    async maintainMemories(input: {
      userId: string;
      personaId: string;
      nowMs: number;
      halfLifeDays: number;
      pruneBelow: number;
      compactAfterDays: number;
      compactMinCount: number;
    }): Promise<{ pruned: number; compacted: number }> {
      const now = new Date(input.nowMs);
      const live = await memories.listLive(input.userId, input.personaId);
      const fading = live.filter(
        (m) => retentionScore(m, now, input.halfLifeDays * DAY_MS) < input.pruneBelow,
      );
      const pruned = await memories.softDeleteMany(
        fading.map((m) => m.id),
        now,
      );

      const cutoff = input.nowMs - input.compactAfterDays * DAY_MS;
      const old = live.filter(
        (m) => !fading.includes(m) && m.kind !== 'SUMMARY' && m.createdAt.getTime() < cutoff,
      );
      if (old.length < input.compactMinCount) return { pruned, compacted: 0 };
      const digest = await deps.summarize(old.map((m) => ({ id: m.id, role: 'USER', text: m.text })));
      const text = (digest.summary || old.map((m) => m.text).join(' ')).slice(0, MAX_MEMORY_TEXT_CHARS);
      const [vector] = await deps.embedding.embed([text]);
      await memories.insert([
        {
          userId: input.userId,
          personaId: input.personaId,
          text,
          kind: 'SUMMARY',
          importance: Math.max(...old.map((m) => m.importance)),
          embedding: vector!,
        },
      ]);
      const compacted = await memories.softDeleteMany(
        old.map((m) => m.id),
        now,
      );
      return { pruned, compacted };
    },

    /** Purges soft-deleted memories, then refreshes the statistics retrieval plans depend on. */
    async purgeDeletedMemories(beforeMs: number): Promise<number> {
      const purged = await memories.purgeDeleted(new Date(beforeMs));
      await memories.refreshStatistics();
      return purged;
    },

    async loadTurnText(turnId: string): Promise<string> {
      const turn = await deps.db.prisma.turn.findUnique({ where: { id: turnId }, select: { text: true } });
      if (!turn) throw notFound('Turn', turnId);
      return turn.text;
    },

    async alignSpeech(input: { wavPath: string; text: string }): Promise<Alignment> {
      return aligner.align(input.wavPath, input.text, Context.current().cancellationSignal);
    },

    /**
     * Aligns an answer's audio as the session's event log holds it (only what was heard of a cut answer), sentence
     * by sentence when their places are known: pocketsphinx's grammar search loses long multi-sentence answers.
     */
    async alignResponse(input: AnswerAudio & { text: string }): Promise<Alignment> {
      const audio = await new SessionEventLog(deps.db).responseAudio(input.sessionId, input.responseId);
      if (!audio || audio.samples.length === 0) {
        throw notFound('Speech of answer', input.responseId);
      }
      const sentences = input.sentences?.length
        ? input.sentences
        : [{ text: input.text, startMs: 0, endMs: (audio.samples.length * 1000) / audio.sampleRate }];
      const dir = await mkdtemp(path.join(tmpdir(), 'answer-'));
      const alignment: Alignment = { source: 'pocketsphinx-forced', words: [], phones: [], unknownWords: [] };
      try {
        for (const [i, sentence] of sentences.entries()) {
          const from = Math.round((sentence.startMs * audio.sampleRate) / 1000);
          const to = Math.min(audio.samples.length, Math.round((sentence.endMs * audio.sampleRate) / 1000));
          if (to <= from) break; // past what was heard
          const wavPath = path.join(dir, `sentence-${i}.wav`);
          await writeFile(
            wavPath,
            encodeWav({ samples: audio.samples.subarray(from, to), sampleRate: audio.sampleRate }),
          );
          const part = await aligner.align(wavPath, sentence.text, Context.current().cancellationSignal);
          const shift = <T extends { startMs: number; endMs: number }>(t: T): T => ({
            ...t,
            startMs: t.startMs + sentence.startMs,
            endMs: t.endMs + sentence.startMs,
          });
          alignment.words.push(...part.words.map(shift));
          alignment.phones.push(...part.phones.map(shift));
          alignment.unknownWords.push(...part.unknownWords);
        }
        return alignment;
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },

    async saveTurnAlignment(input: { turnId: string; alignment: Alignment }): Promise<void> {
      const updated = await deps.db.prisma.turn.updateMany({
        where: { id: input.turnId },
        data: { alignment: input.alignment as unknown as Prisma.InputJsonValue },
      });
      if (updated.count === 0) throw notFound('Turn', input.turnId);
    },

    /** Marks the request running; `finished` when an earlier run already completed or failed it. */
    async startPrivacyRequest(
      requestId: string,
    ): Promise<{ userId: string; kind: 'EXPORT' | 'DELETE'; finished: boolean }> {
      const request = await businessErrors(() => privacy.markRunning(requestId));
      return {
        userId: request.userId,
        kind: request.kind,
        finished: request.status === 'COMPLETED' || request.status === 'FAILED',
      };
    },

    /**
     * Writes the export page by page into the request's parts (the document never travels through workflow
     * history, nor sits whole in memory), heartbeating after every page, and records its summary on the request.
     */
    async exportUserData(input: { requestId: string; userId: string }): Promise<PrivacyExportResult> {
      const context = Context.current();
      const summary = await businessErrors(() =>
        privacy.writeExport(input.requestId, input.userId, {
          maxBytes: deps.exportMaxBytes ?? DEFAULT_EXPORT_MAX_BYTES,
          onPage: () => context.heartbeat(),
        }),
      );
      const result = { ...summary, download: exportDownloadPath(input.requestId) };
      await privacy.complete(input.requestId, result as unknown as Prisma.InputJsonValue);
      return { requestId: input.requestId, userId: input.userId, ...summary };
    },

    async listDeletionTargets(): Promise<DeletionTarget[]> {
      return [...DELETION_TARGETS];
    },

    /**
     * Deletes one kind of the user's data in batches, heartbeating after each: if this worker dies, Temporal notices
     * the missing heartbeat and another worker continues from whatever is left.
     */
    async deleteUserData(input: { userId: string; target: DeletionTarget }): Promise<number> {
      if (!DELETION_TARGETS.includes(input.target)) {
        throw ApplicationFailure.create({
          message: `unknown target ${input.target}`,
          type: FAILURE.badInput,
          nonRetryable: true,
        });
      }
      const context = Context.current();
      let total = 0;
      for (;;) {
        context.cancellationSignal.throwIfAborted();
        const deleted = await privacy.deleteBatch(input.userId, input.target, batchSize);
        total += deleted;
        context.heartbeat({ target: input.target, total });
        if (deleted < batchSize) return total;
      }
    },

    async completePrivacyRequest(input: { requestId: string; result: PrivacyDeleteResult }): Promise<void> {
      await privacy.complete(input.requestId, input.result as unknown as Prisma.InputJsonValue);
    },

    async failPrivacyRequest(input: { requestId: string; error: string }): Promise<void> {
      await privacy.fail(input.requestId, input.error);
    },
  };
}

export type Activities = ReturnType<typeof createActivities>;
