import { describe, expect, it } from 'vitest';
import { decodePcm16Base64, encodeWav, resample } from './pcm';
import { buildTimeline, frameAt, type LoggedEvent } from './timeline';

const pcmBase64 = (values: number[]) => Buffer.from(new Int16Array(values).buffer).toString('base64');

function chunk(
  seq: number,
  responseId: string,
  startMs: number,
  samples: number[],
  sampleRate = 1000,
): LoggedEvent {
  return {
    seq,
    type: 'SpeechChunk',
    payload: {
      responseId,
      audio: pcmBase64(samples),
      sampleRate,
      startMs,
      durationMs: (samples.length / sampleRate) * 1000,
      phonemes: [{ phoneme: 'a', startMs, endMs: startMs + 2 }],
      visemes: [{ viseme: 'aa', startMs, endMs: startMs + 2, weight: 0.9 }],
    },
  };
}

describe('replay timeline', () => {
  it('decodes little-endian PCM16 into [-1, 1] floats', () => {
    expect(Array.from(decodePcm16Base64(pcmBase64([0, 16384, -32768, 32767])))).toEqual([
      0,
      0.5,
      -1,
      32767 / 32768,
    ]);
  });

  it('places each response after the audio of the ones before it, with its lanes shifted alike', () => {
    const timeline = buildTimeline([
      { seq: 1, type: 'TranscriptFinal', payload: { text: 'hi' } },
      chunk(2, 'r1', 0, [1000, 1000]),
      chunk(3, 'r1', 2, [2000, 2000, 2000]),
      { seq: 4, type: 'ResponseDone', payload: { responseId: 'r1', text: 'first' } },
      chunk(5, 'r2', 0, [3000]),
      {
        seq: 6,
        type: 'BlendshapeFrames',
        payload: { responseId: 'r2', sampleRate: 1000, frames: [{ sampleStart: 0, weights: [0.25] }] },
      },
      { seq: 7, type: 'Interrupted', payload: { responseId: 'r2', heardText: 'sec', playedMs: 1 } },
    ]);
    expect(timeline.durationMs).toBe(6);
    expect(Array.from(timeline.samples).map((v) => Math.round(v * 32768))).toEqual([
      1000, 1000, 2000, 2000, 2000, 3000,
    ]);
    expect(timeline.phonemes.map((p) => p.startMs)).toEqual([0, 2, 5]);
    expect(timeline.visemes.map((v) => v.label)).toEqual(['aa', 'aa', 'aa']);
    expect(timeline.frames).toEqual([{ timeMs: 5, weights: [0.25] }]);
    expect(timeline.transcript).toEqual([
      { atMs: 0, endMs: 0, speaker: 'user', text: 'hi' },
      { atMs: 0, endMs: 5, speaker: 'avatar', text: 'first', moderated: false },
      { atMs: 5, endMs: 6, speaker: 'avatar', text: 'sec', interrupted: true },
    ]);
  });

  it('orders the log by seq even when rows arrive out of order', () => {
    const timeline = buildTimeline([chunk(3, 'r2', 0, [500]), chunk(1, 'r1', 0, [100, 100])]);
    expect(Array.from(timeline.samples).map((v) => Math.round(v * 32768))).toEqual([100, 100, 500]);
  });

  it('resamples responses synthesised at another rate onto the first one', () => {
    const timeline = buildTimeline([
      chunk(1, 'r1', 0, [0, 0], 1000),
      chunk(2, 'r2', 0, [1000, 1000, 1000, 1000], 2000),
    ]);
    expect(timeline.sampleRate).toBe(1000);
    expect(timeline.samples.length).toBe(4);
    expect(resample(new Float32Array([0, 1]), 1000, 2000)).toHaveLength(4);
  });

  it('finds the frame showing at a time, none before the first', () => {
    const frames = [0, 33, 66].map((timeMs) => ({ timeMs, weights: [timeMs] }));
    expect(frameAt(frames, -1)).toBeUndefined();
    expect(frameAt(frames, 40)?.timeMs).toBe(33);
    expect(frameAt(frames, 1000)?.timeMs).toBe(66);
  });

  it('writes a WAV header a player accepts', () => {
    const wav = new DataView(encodeWav(new Float32Array([0, 0.5, -1]), 22050));
    const text = (at: number) => String.fromCharCode(...new Uint8Array(wav.buffer, at, 4));
    expect([text(0), text(8), text(12), text(36)]).toEqual(['RIFF', 'WAVE', 'fmt ', 'data']);
    expect(wav.getUint32(24, true)).toBe(22050);
    expect(wav.getUint32(40, true)).toBe(6);
    expect(wav.getInt16(46, true)).toBe(16383);
    expect(wav.getInt16(48, true)).toBe(-32768);
  });
});
