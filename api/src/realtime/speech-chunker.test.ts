import { describe, expect, it } from 'vitest';
import { FakeTts } from '../adapters/tts/testing/fake';
import type { TtsChunk } from '../adapters/tts/types';
import { SpeechChunker, type SpeechPiece } from './speech-chunker';

/** Samples numbered 0, 1, 2… (mod 2^15) so that any reordering or loss shows up. */
function ramp(from: number, count: number): Int16Array {
  return Int16Array.from({ length: count }, (_, i) => (from + i) % 32_768);
}

function tts(samples: Int16Array, extra: Partial<TtsChunk> = {}): TtsChunk {
  return { samples, sampleRate: 22_050, ...extra };
}

function concat(pieces: SpeechPiece[]): number[] {
  return pieces.flatMap((p) => [...p.samples]);
}

describe('SpeechChunker', () => {
  it('cuts a sentence into equal pieces plus a shorter tail, losing and reordering no sample', () => {
    const chunker = new SpeechChunker({ chunkMs: 240 });
    // espeak-ng-sized buffers of an odd length that does not divide the piece size (5292 samples).
    const input = [ramp(0, 4411), ramp(4411, 4411), ramp(8822, 4411), ramp(13233, 1)];
    const pieces = [...input.flatMap((s) => chunker.push(tts(s))), ...chunker.flush()];
    expect(pieces.map((p) => p.samples.length)).toEqual([5292, 5292, 2650]);
    expect(concat(pieces)).toEqual([...ramp(0, 13234)]);
    expect(pieces.map((p) => p.seq)).toEqual([0, 1, 2]);
    expect(pieces[1]!.startMs).toBeCloseTo(240, 9);
    expect(pieces[2]!.durationMs).toBeCloseTo((2650 * 1000) / 22_050, 9);
    expect(chunker.offsetMs).toBeCloseTo((13234 * 1000) / 22_050, 9);
  });

  it('keeps a running offset, sequence and timings across the sentences of a response', () => {
    const chunker = new SpeechChunker({ chunkMs: 200 });
    const first = [
      ...chunker.push({
        samples: ramp(0, 4800),
        sampleRate: 24_000,
        words: [{ word: 'Hi', index: 0, startMs: 20, endMs: 180 }],
      }),
      ...chunker.flush(),
    ];
    const second = [
      ...chunker.push({
        samples: ramp(0, 6000),
        sampleRate: 24_000,
        phonemes: [{ phoneme: 'b', startMs: 210, endMs: 240 }],
        words: [{ word: 'bye', index: 0, startMs: 210, endMs: 250 }],
      }),
      ...chunker.flush(),
    ];
    expect(first.map((p) => [p.seq, p.startMs, p.durationMs])).toEqual([[0, 0, 200]]);
    expect(second.map((p) => [p.seq, p.startMs, p.durationMs])).toEqual([
      [1, 200, 200],
      [2, 400, 50],
    ]);
    expect(first[0]!.words).toEqual([{ word: 'Hi', index: 0, startMs: 20, endMs: 180 }]);
    expect(second[1]!.phonemes).toEqual([{ phoneme: 'b', startMs: 410, endMs: 440 }]);
    expect(second[1]!.words).toEqual([{ word: 'bye', index: 0, startMs: 410, endMs: 450 }]);
  });

  it('re-bases timings given relative to each TTS chunk onto the response', () => {
    const chunker = new SpeechChunker({ chunkMs: 100 });
    const pieces = [
      ...chunker.push({
        samples: ramp(0, 800),
        sampleRate: 16_000,
        phonemes: [{ phoneme: 'a', startMs: 0, endMs: 50 }],
      }),
      ...chunker.push({
        samples: ramp(800, 1600),
        sampleRate: 16_000,
        phonemes: [{ phoneme: 'b', startMs: 10, endMs: 60 }],
      }),
      ...chunker.flush(),
    ];
    expect(pieces.flatMap((p) => p.phonemes)).toEqual([
      { phoneme: 'a', startMs: 0, endMs: 50 },
      { phoneme: 'b', startMs: 60, endMs: 110 },
    ]);
    expect(pieces[0]!.phonemes.map((p) => p.phoneme)).toEqual(['a', 'b']);
  });

  it('puts a phoneme that straddles a boundary only in the piece where it starts, unclipped', () => {
    const chunker = new SpeechChunker({ chunkMs: 240 });
    const phonemes = [
      { phoneme: 'straddles', startMs: 230, endMs: 260 },
      { phoneme: 'on-boundary', startMs: 240, endMs: 300 },
    ];
    const pieces = [...chunker.push(tts(ramp(0, 22_050), { phonemes })), ...chunker.flush()];
    expect(pieces[0]!.phonemes).toEqual([phonemes[0]]);
    expect(pieces[1]!.phonemes).toEqual([phonemes[1]]);
    expect(pieces.flatMap((p) => p.phonemes)).toHaveLength(2);
  });

  it('accepts empty TTS chunks, keeping their timings for the audio that follows', () => {
    const chunker = new SpeechChunker({ chunkMs: 100 });
    const pieces = [
      ...chunker.push({
        samples: new Int16Array(0),
        sampleRate: 16_000,
        phonemes: [{ phoneme: 'm', startMs: 5, endMs: 40 }],
      }),
      ...chunker.push({ samples: ramp(0, 1000), sampleRate: 16_000 }),
      ...chunker.push({ samples: new Int16Array(0), sampleRate: 16_000 }),
      ...chunker.flush(),
    ];
    expect(pieces.map((p) => p.samples.length)).toEqual([1000]);
    expect(pieces[0]!.phonemes).toEqual([{ phoneme: 'm', startMs: 5, endMs: 40 }]);
  });

  it('produces nothing for a sentence without audio and does not carry its timings into the next one', () => {
    const chunker = new SpeechChunker();
    chunker.push({
      samples: new Int16Array(0),
      sampleRate: 16_000,
      phonemes: [{ phoneme: 'x', startMs: 0, endMs: 10 }],
    });
    expect(chunker.flush()).toEqual([]);
    const next = [...chunker.push({ samples: ramp(0, 100), sampleRate: 16_000 }), ...chunker.flush()];
    expect(next[0]).toMatchObject({ seq: 0, startMs: 0, phonemes: [] });
  });

  it('hands the last piece every timing left over, even one the provider placed past the audio', () => {
    const chunker = new SpeechChunker({ chunkMs: 100 });
    chunker.push({
      samples: ramp(0, 500),
      sampleRate: 16_000,
      phonemes: [{ phoneme: '_', startMs: 40, endMs: 60 }],
    });
    expect(chunker.flush()[0]!.phonemes).toEqual([{ phoneme: '_', startMs: 40, endMs: 60 }]);
  });

  it('does not drift when the piece length is not a whole number of samples', () => {
    const chunker = new SpeechChunker({ chunkMs: 250 }); // 5512.5 samples at 22.05 kHz
    const pieces = [...chunker.push(tts(ramp(0, 22_050 * 10))), ...chunker.flush()];
    let samplesBefore = 0;
    for (const piece of pieces) {
      expect(piece.startMs).toBeCloseTo((samplesBefore * 1000) / 22_050, 6);
      samplesBefore += piece.samples.length;
    }
    expect(samplesBefore).toBe(22_050 * 10);
  });

  it('flushes before a change of sample rate so no piece mixes two rates', () => {
    const chunker = new SpeechChunker({ chunkMs: 100 });
    const pieces = [
      ...chunker.push({ samples: ramp(0, 1000), sampleRate: 16_000 }),
      ...chunker.push({ samples: ramp(0, 2400), sampleRate: 24_000 }),
      ...chunker.flush(),
    ];
    expect(pieces.map((p) => [p.sampleRate, p.samples.length, p.startMs])).toEqual([
      [16_000, 1000, 0],
      [24_000, 2400, 62.5],
    ]);
  });

  it('chunks a whole TTS stream with sentence()', async () => {
    const fake = new FakeTts({ script: { msPerChar: 50, chunkMs: 130 } });
    const chunker = new SpeechChunker({ chunkMs: 200 });
    const pieces: SpeechPiece[] = [];
    for await (const piece of chunker.sentence(
      fake.synthesize('Hello you', { signal: new AbortController().signal }),
    )) {
      pieces.push(piece);
    }
    expect(pieces.map((p) => p.durationMs)).toEqual([200, 200, 50]);
    expect(pieces.flatMap((p) => p.words).map((w) => [w.word, w.startMs])).toEqual([
      ['Hello', 0],
      ['you', 300],
    ]);
    expect(
      pieces
        .flatMap((p) => p.phonemes)
        .map((p) => p.phoneme)
        .join(''),
    ).toBe('helloyou');
  });

  it('rejects a nonsensical piece length', () => {
    expect(() => new SpeechChunker({ chunkMs: 0 })).toThrow(RangeError);
    expect(() => new SpeechChunker({ chunkMs: Number.NaN })).toThrow(RangeError);
  });
});
