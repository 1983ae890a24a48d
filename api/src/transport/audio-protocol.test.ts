import { describe, expect, it } from 'vitest';
import { BoundedAudioQueue, decodeAudioFrame, decodeTextMessage } from './audio-protocol';

const bytesOf = (...values: number[]) => Uint8Array.from(values);

describe('decodeTextMessage', () => {
  it('accepts each client message', () => {
    expect(decodeTextMessage('{"type":"audio.start","sampleRate":48000,"encoding":"pcm16"}')).toEqual({
      ok: true,
      value: { type: 'audio.start', sampleRate: 48000, encoding: 'pcm16' },
    });
    expect(
      decodeTextMessage('{"type":"audio.start","utteranceId":"u-1","sampleRate":8000,"encoding":"pcm16"}'),
    ).toEqual({
      ok: true,
      value: { type: 'audio.start', utteranceId: 'u-1', sampleRate: 8000, encoding: 'pcm16' },
    });
    expect(decodeTextMessage('{"type":"control.end_turn"}')).toEqual({
      ok: true,
      value: { type: 'control.end_turn' },
    });
    expect(decodeTextMessage('{"type":"interrupt"}')).toEqual({ ok: true, value: { type: 'interrupt' } });
    expect(decodeTextMessage('{"type":"vad","speaking":true}')).toEqual({
      ok: true,
      value: { type: 'vad', speaking: true },
    });
  });

  it("carries the client's played position in interrupt, and refuses one that is not a count of milliseconds", () => {
    expect(decodeTextMessage('{"type":"interrupt","responseId":"r-1","playedMs":1234.5}')).toEqual({
      ok: true,
      value: { type: 'interrupt', responseId: 'r-1', playedMs: 1234.5 },
    });
    expect(
      decodeTextMessage(
        '{"type":"audio.start","sampleRate":16000,"encoding":"pcm16","playbackReports":true}',
      ),
    ).toMatchObject({ ok: true, value: { playbackReports: true } });
    for (const bad of [-1, '12', 1e12, null]) {
      const decoded = decodeTextMessage(JSON.stringify({ type: 'interrupt', playedMs: bad }));
      expect(decoded).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
      expect(!decoded.ok && decoded.error.message).toMatch(/^playedMs: /);
    }
    expect(
      decodeTextMessage(
        '{"type":"audio.start","sampleRate":16000,"encoding":"pcm16","playbackReports":"yes"}',
      ),
    ).toMatchObject({ ok: false, error: { code: 'invalid_message' } });
  });

  it("carries the client's traceparent, and ignores one that is not a string rather than refusing the stream", () => {
    const start = (traceparent: unknown) =>
      decodeTextMessage(
        JSON.stringify({ type: 'audio.start', sampleRate: 16000, encoding: 'pcm16', traceparent }),
      );
    const traceparent = '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01';
    expect(start(traceparent)).toMatchObject({ ok: true, value: { traceparent } });
    for (const malformed of [42, { id: 1 }, 'x'.repeat(1000)]) {
      const decoded = start(malformed);
      expect(decoded.ok).toBe(true);
      expect(decoded.ok && decoded.value.type === 'audio.start' && decoded.value.traceparent).toBeUndefined();
    }
  });

  it.each([
    ['not JSON (e.g. audio sent as text)', 'RIFF\u0000\u0001garbage', 'bad_json'],
    ['JSON that is not an object', '[1,2,3]', 'invalid_message'],
    ['JSON null', 'null', 'invalid_message'],
    ['an unknown type', '{"type":"audio.stop"}', 'unknown_type'],
    ['no type at all', '{"sampleRate":16000}', 'unknown_type'],
    [
      'a rate outside the list',
      '{"type":"audio.start","sampleRate":44100,"encoding":"pcm16"}',
      'unsupported_sample_rate',
    ],
    [
      'a rate given as a string',
      '{"type":"audio.start","sampleRate":"16000","encoding":"pcm16"}',
      'unsupported_sample_rate',
    ],
    ['a missing rate', '{"type":"audio.start","encoding":"pcm16"}', 'unsupported_sample_rate'],
    [
      'another encoding',
      '{"type":"audio.start","sampleRate":16000,"encoding":"opus"}',
      'unsupported_encoding',
    ],
    [
      'a hostile utterance id',
      '{"type":"audio.start","utteranceId":"../../x","sampleRate":16000,"encoding":"pcm16"}',
      'invalid_message',
    ],
    ['vad without a boolean', '{"type":"vad","speaking":"yes"}', 'invalid_message'],
  ])('rejects %s', (_, text, code) => {
    const result = decodeTextMessage(text);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe(code);
      expect(result.error.message.length).toBeGreaterThan(0);
    }
  });

  it('rejects text above the size limit before parsing it', () => {
    const big = JSON.stringify({ type: 'vad', speaking: true, pad: 'x'.repeat(5000) });
    expect(decodeTextMessage(big, 4096)).toMatchObject({ ok: false, error: { code: 'message_too_large' } });
  });
});

describe('decodeAudioFrame', () => {
  it('decodes little-endian PCM16 samples', () => {
    const result = decodeAudioFrame(bytesOf(0x01, 0x00, 0xff, 0xff, 0x00, 0x80), { started: true });
    expect(result).toEqual({ ok: true, value: Int16Array.from([1, -1, -32768]) });
  });

  it('decodes frames that start at an odd offset inside a larger buffer', () => {
    const backing = bytesOf(0xaa, 0x02, 0x00, 0x03, 0x00);
    expect(decodeAudioFrame(backing.subarray(1), { started: true })).toEqual({
      ok: true,
      value: Int16Array.from([2, 3]),
    });
  });

  it('rejects odd-length frames', () => {
    expect(decodeAudioFrame(bytesOf(1, 2, 3), { started: true })).toMatchObject({
      ok: false,
      error: { code: 'odd_length' },
    });
  });

  it('rejects audio before audio.start', () => {
    expect(decodeAudioFrame(bytesOf(1, 2), { started: false })).toMatchObject({
      ok: false,
      error: { code: 'audio_not_started' },
    });
  });

  it('rejects frames over the size limit', () => {
    expect(decodeAudioFrame(new Uint8Array(2050), { started: true, maxFrameBytes: 2048 })).toMatchObject({
      ok: false,
      error: { code: 'frame_too_large' },
    });
  });

  it('recognises a JSON control message sent as a binary frame', () => {
    const json = new TextEncoder().encode('{"type":"control.end_turn"}');
    expect(decodeAudioFrame(json, { started: false })).toMatchObject({
      ok: false,
      error: { code: 'json_in_binary_frame' },
    });
    // Audio that merely starts with "{" is still audio.
    expect(decodeAudioFrame(bytesOf(0x7b, 0x00, 0x10, 0x7d), { started: true }).ok).toBe(true);
  });

  it('accepts random bytes of even length as audio (any bit pattern is valid PCM)', () => {
    const random = new Uint8Array(640).map(() => Math.floor(Math.random() * 256));
    random[0] = 0;
    const result = decodeAudioFrame(random, { started: true });
    expect(result.ok && result.value.length).toBe(320);
  });
});

describe('BoundedAudioQueue', () => {
  const audio = (n: number, fill = 0) => ({
    kind: 'audio' as const,
    pcm: new Int16Array(n).fill(fill),
    arrivedAtMs: 0,
  });

  it('drops the oldest audio when a stalled consumer lets it exceed the cap, and counts it', () => {
    const queue = new BoundedAudioQueue(1000);
    queue.push({ kind: 'start', utteranceId: 'u', sampleRate: 16000, options: {} });
    for (let i = 0; i < 10; i++) queue.push(audio(100, i));
    // 10 × 200 bytes into a 1000-byte cap: the first 5 frames are gone.
    expect(queue.stats).toEqual({ queuedBytes: 1000, droppedFrames: 5, droppedBytes: 1000 });
    queue.push({ kind: 'endTurn' });
    const drained = [];
    for (let item = queue.shift(); item; item = queue.shift()) drained.push(item);
    expect(drained[0]).toEqual({ kind: 'start', utteranceId: 'u', sampleRate: 16000, options: {} });
    expect(drained.slice(1, 6).map((item) => item.kind === 'audio' && item.pcm[0])).toEqual([5, 6, 7, 8, 9]);
    expect(drained[6]).toEqual({ kind: 'endTurn' });
    expect(queue.stats.queuedBytes).toBe(0);
  });

  it('memory stays bounded however long the consumer stalls', () => {
    const queue = new BoundedAudioQueue(64 * 1024);
    for (let i = 0; i < 20_000; i++) queue.push(audio(480));
    expect(queue.stats.queuedBytes).toBeLessThanOrEqual(64 * 1024);
    expect(queue.length).toBeLessThanOrEqual(Math.ceil((64 * 1024) / 960));
    expect(queue.stats.droppedFrames).toBe(20_000 - queue.length);
  });

  it('discardAudio keeps control items in order', () => {
    const queue = new BoundedAudioQueue(10_000);
    queue.push(audio(10));
    queue.push({ kind: 'vad', speaking: false });
    queue.push(audio(10));
    queue.push({ kind: 'endTurn' });
    queue.discardAudio();
    expect([queue.shift(), queue.shift(), queue.shift()]).toEqual([
      { kind: 'vad', speaking: false },
      { kind: 'endTurn' },
      undefined,
    ]);
    expect(queue.stats.queuedBytes).toBe(0);
  });
});
