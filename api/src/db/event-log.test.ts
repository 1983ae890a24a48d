import { beforeAll, describe, expect, it } from 'vitest';
import { useTestDatabase } from '../../test-support/databases';
import { seedConversation } from '../../test-support/seed';
import type { SessionEvent } from '../domain/session-events';
import type { Database } from './database';
import { SessionEventLog } from './event-log';

const RATE = 16_000;

/** A SpeechChunk of `ms` milliseconds whose samples all equal `value`. */
function chunk(seq: number, sessionId: string, responseId: string, ms: number, value: number): SessionEvent {
  const samples = new Int16Array((RATE * ms) / 1000).fill(value);
  return {
    seq,
    sessionId,
    at: new Date().toISOString(),
    type: 'SpeechChunk',
    responseId,
    chunkSeq: 0,
    audio: Buffer.from(samples.buffer).toString('base64'),
    sampleRate: RATE,
    encoding: 'pcm16',
    startMs: 0,
    durationMs: ms,
    text: '',
    phonemes: [],
    visemes: [],
    gestures: [],
  };
}

describe('session event log: an answer’s audio', () => {
  const database = useTestDatabase('embedded');
  let db: Database;
  beforeAll(() => {
    db = database.db;
  });

  it('reads only that answer’s chunks, up to where it was cut off, and nothing for an unknown answer', async () => {
    const { sessionId } = await seedConversation(db);
    const log = new SessionEventLog(db);
    const base = { sessionId, at: new Date().toISOString() };
    await log.append([
      { ...base, seq: 1, type: 'ResponseStarted', responseId: 'a', utteranceId: null },
      chunk(2, sessionId, 'a', 100, 1),
      chunk(3, sessionId, 'a', 100, 2),
      { ...base, seq: 4, type: 'Interrupted', responseId: 'a', heardText: 'x', playedMs: 150 },
      { ...base, seq: 5, type: 'ResponseStarted', responseId: 'b', utteranceId: null },
      chunk(6, sessionId, 'b', 100, 7),
    ]);
    const cut = await log.responseAudio(sessionId, 'a');
    expect(cut?.sampleRate).toBe(RATE);
    expect(cut?.samples.length).toBe(RATE * 0.15);
    expect(new Set(cut?.samples)).toEqual(new Set([1, 2]));
    const whole = await log.responseAudio(sessionId, 'b');
    expect(whole?.samples.length).toBe(RATE * 0.1);
    expect(new Set(whole?.samples)).toEqual(new Set([7]));
    expect(await log.responseAudio(sessionId, 'nope')).toBeNull();
  });
});
