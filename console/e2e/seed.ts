import type { SessionEventPayload } from '../../api/src/domain/session-events';
import type { TestApp } from '../../api/test-support/harness';
import { speak } from './speech-fixture';

/** Pothos Relay IDs are base64 of `Type:id`; the event publisher wants the database id. */
export function databaseId(globalId: string): string {
  return Buffer.from(globalId, 'base64').toString('utf8').split(':').slice(1).join(':');
}

/**
 * Writes a realistic conversation into a session's event log, the way the voice pipeline emits it: the user's
 * transcript, then per answer its text, SpeechChunks (real espeak-ng audio, split in two) and 30 fps
 * BlendshapeFrames, then ResponseDone.
 */
export async function seedConversation(t: TestApp, sessionId: string, exchanges: [string, string][]) {
  const emit = (payload: SessionEventPayload) => t.app.services.events.emit(sessionId, payload);
  for (const [n, [question, answer]] of exchanges.entries()) {
    const utteranceId = `u${n}`;
    const responseId = `r${n}`;
    await emit({
      type: 'TranscriptFinal',
      utteranceId,
      text: question,
      confidence: 0.93,
      alternatives: [],
      words: [],
    });
    await emit({ type: 'ResponseStarted', responseId, utteranceId });
    await emit({ type: 'ResponseTextDelta', responseId, delta: answer });
    const speech = await speak(answer);
    const half = Math.floor(speech.pcm.length / 2);
    const chunks: [number, number][] = [
      [0, half],
      [half, speech.pcm.length],
    ];
    for (const [chunkSeq, [from, to]] of chunks.entries()) {
      const startMs = (from / speech.sampleRate) * 1000;
      const endMs = (to / speech.sampleRate) * 1000;
      const inChunk = <T extends { startMs: number }>(items: T[]) =>
        items.filter((i) => i.startMs >= startMs && i.startMs < endMs);
      const pcm = speech.pcm.subarray(from, to);
      await emit({
        type: 'SpeechChunk',
        responseId,
        chunkSeq,
        audio: Buffer.from(pcm.buffer, pcm.byteOffset, pcm.byteLength).toString('base64'),
        sampleRate: speech.sampleRate,
        encoding: 'pcm16',
        startMs,
        durationMs: endMs - startMs,
        text: chunkSeq === 0 ? answer : '',
        phonemes: inChunk(speech.phonemes),
        visemes: inChunk(speech.visemes),
        gestures: [],
      });
      await emit({
        type: 'BlendshapeFrames',
        responseId,
        chunkSeq,
        fps: 30,
        sampleRate: speech.sampleRate,
        frames: speech.frames.filter((f) => f.sampleStart >= from && f.sampleStart < to),
      });
    }
    await emit({
      type: 'ResponseDone',
      responseId,
      text: answer,
      emotion: 'happy',
      actions: [],
      moderated: false,
    });
  }
  await t.app.services.events.flush(sessionId);
}
