import { int16FromBytes } from '../adapters/audio/pcm';
import type { PcmAudio } from '../domain/audio';
import type { SessionEvent } from '../domain/session-events';
import type { Database } from './database';

/** The session's last answer as its events tell it: enough to close it where its owner left it. */
export interface LoggedResponse {
  responseId: string;
  /** The user turn it answers; null for a greeting. */
  utteranceId: string | null;
  /** When its first audio went out (epoch ms); null when none did. */
  startedAt: number | null;
  durationMs: number;
  /**
   * Its spoken text on its audio timeline: the whole answer over its whole audio once it was all produced
   * (chunks carry words only when the TTS gave word timings), else the text its chunks carried.
   */
  segments: { text: string; startMs: number; endMs: number; words: []; complete: true }[];
  /** All of it was produced (ResponseDone). */
  done: boolean;
  /** It was already interrupted. */
  closed: boolean;
}

/**
 * The append-only log of everything sessions emitted, for replay after a reconnect. Owns the row codec: a row
 * keeps the event's own fields in `payload`; `sessionId`, `seq`, `type` and the time are columns.
 */
export class SessionEventLog {
  constructor(private readonly db: Database) {}

  /**
   * Appends events in one statement: a busy session's burst of speech chunks is one write, not hundreds. A seq
   * already logged is skipped, so writing the same events again (a retry) changes nothing.
   */
  async append(events: SessionEvent[]): Promise<void> {
    await this.db.prisma.sessionEvent.createMany({
      skipDuplicates: true,
      data: events.map(({ sessionId, seq, type, at, ...payload }) => ({
        sessionId,
        seq,
        type,
        payload: payload as object,
        createdAt: new Date(at),
      })),
    });
  }

  /** Stored events after `afterSeq`, in order. */
  async after(sessionId: string, afterSeq: number): Promise<SessionEvent[]> {
    const rows = await this.db.prisma.sessionEvent.findMany({
      where: { sessionId, seq: { gt: afterSeq } },
      orderBy: { seq: 'asc' },
    });
    return rows.map(
      (row) =>
        ({
          ...(row.payload as object),
          type: row.type,
          seq: row.seq,
          sessionId,
          at: row.createdAt.toISOString(),
        }) as SessionEvent,
    );
  }

  /** The highest seq logged for the session, 0 when none. */
  async lastSeq(sessionId: string): Promise<number> {
    const last = await this.db.prisma.sessionEvent.aggregate({ where: { sessionId }, _max: { seq: true } });
    return last._max.seq ?? 0;
  }

  /** The last answer of the session, or null when it has none. */
  async lastResponse(sessionId: string): Promise<LoggedResponse | null> {
    const started = await this.db.prisma.sessionEvent.findFirst({
      where: { sessionId, type: 'ResponseStarted' },
      orderBy: { seq: 'desc' },
    });
    if (!started) return null;
    const { responseId, utteranceId = null } = started.payload as {
      responseId: string;
      utteranceId?: string | null;
    };
    const rows = await this.db.prisma.sessionEvent.findMany({
      where: {
        sessionId,
        seq: { gt: started.seq },
        type: { in: ['SpeechChunk', 'ResponseDone', 'Interrupted'] },
      },
      orderBy: { seq: 'asc' },
      // The audio itself is not needed, only where each chunk sits.
      select: { type: true, createdAt: true, payload: true },
    });
    const response: LoggedResponse = {
      responseId,
      utteranceId,
      startedAt: null,
      durationMs: 0,
      segments: [],
      done: false,
      closed: false,
    };
    for (const row of rows) {
      const payload = row.payload as {
        responseId: string;
        text?: string;
        startMs?: number;
        durationMs?: number;
      };
      if (payload.responseId !== responseId) continue;
      if (row.type === 'ResponseDone') {
        response.done = true;
        response.segments = [
          { text: payload.text ?? '', startMs: 0, endMs: response.durationMs, words: [], complete: true },
        ];
      }
      if (row.type === 'Interrupted') response.closed = true;
      if (row.type !== 'SpeechChunk') continue;
      const startMs = payload.startMs ?? 0;
      const endMs = startMs + (payload.durationMs ?? 0);
      response.startedAt ??= row.createdAt.getTime() - startMs;
      response.durationMs = Math.max(response.durationMs, endMs);
      if (payload.text)
        response.segments.push({ text: payload.text, startMs, endMs, words: [], complete: true });
    }
    return response;
  }

  /**
   * An answer's audio as its chunks carried it, up to where it was cut off when it was interrupted; null when it
   * had none. At most `maxSeconds`, so an aligner never reads an unbounded answer into memory.
   */
  async responseAudio(sessionId: string, responseId: string, maxSeconds = 300): Promise<PcmAudio | null> {
    // Only this answer's rows are read: those between its ResponseStarted and the next one.
    const starts = await this.db.prisma.sessionEvent.findMany({
      where: { sessionId, type: 'ResponseStarted' },
      orderBy: { seq: 'asc' },
      select: { seq: true, payload: true },
    });
    const index = starts.findIndex(
      (row) => (row.payload as { responseId?: string }).responseId === responseId,
    );
    if (index < 0) return null;
    const next = starts[index + 1]?.seq;
    const rows = await this.db.prisma.sessionEvent.findMany({
      where: {
        sessionId,
        type: { in: ['SpeechChunk', 'Interrupted'] },
        seq: { gt: starts[index]!.seq, ...(next === undefined ? {} : { lt: next }) },
      },
      orderBy: { seq: 'asc' },
      select: { type: true, payload: true },
    });
    const parts: Int16Array[] = [];
    let sampleRate = 0;
    let playedMs = Number.POSITIVE_INFINITY;
    for (const row of rows) {
      const payload = row.payload as {
        responseId?: string;
        audio?: string;
        sampleRate?: number;
        playedMs?: number;
      };
      if (payload.responseId !== responseId) continue;
      if (row.type === 'Interrupted') playedMs = payload.playedMs ?? 0;
      else if (payload.audio && payload.sampleRate) {
        // One rate per answer here: a provider switch mid-answer would need resampling, which alignment can skip.
        if (sampleRate && payload.sampleRate !== sampleRate) break;
        sampleRate = payload.sampleRate;
        parts.push(int16FromBytes(Buffer.from(payload.audio, 'base64')));
      }
    }
    if (parts.length === 0) return null;
    const limit = Math.floor((Math.min(playedMs / 1000, maxSeconds) || 0) * sampleRate);
    const samples = new Int16Array(
      Math.min(
        limit,
        parts.reduce((n, p) => n + p.length, 0),
      ),
    );
    let at = 0;
    for (const part of parts) {
      if (at >= samples.length) break;
      samples.set(part.subarray(0, samples.length - at), at);
      at += part.length;
    }
    return { samples, sampleRate };
  }
}
