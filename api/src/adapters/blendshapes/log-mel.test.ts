import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FEATURE_SAMPLE_RATE, LogMelExtractor, logMel, MEL_BINS, SILENCE_FEATURE } from './log-mel';

interface LogMelFixture {
  sampleRate: number;
  samples: number[];
  logMel: number[][];
}

// Written by models/wav2arkit/fixtures.py from the training pipeline's own feature code.
const fixture: LogMelFixture = JSON.parse(
  readFileSync(new URL('../../../../models/wav2arkit/fixtures/log-mel.json', import.meta.url), 'utf8'),
);

describe('log-mel features', () => {
  it('equal the Python training features on the fixture signal', () => {
    expect(fixture.sampleRate).toBe(FEATURE_SAMPLE_RATE);
    const actual = logMel(Float32Array.from(fixture.samples));
    expect(actual).toHaveLength(fixture.logMel.length);
    let worst = 0;
    actual.forEach((frame, m) => {
      frame.forEach((value, bin) => {
        worst = Math.max(worst, Math.abs(value - fixture.logMel[m]![bin]!));
      });
    });
    expect(worst).toBeLessThan(1e-6);
  });

  it('give the same frames whatever the chunking of the stream', () => {
    const samples = Float32Array.from(fixture.samples);
    const chunked: Float64Array[] = [];
    const extractor = new LogMelExtractor();
    let offset = 0;
    for (const size of [1, 7, 199, 200, 201, 1000, 3333, 100_000]) {
      extractor.push(samples.subarray(offset, offset + size), (features) => chunked.push(features.slice()));
      offset += size;
    }
    expect(chunked).toEqual(logMel(samples));
  });

  it('floor digital silence at the silence feature', () => {
    const frames = logMel(new Float32Array(FEATURE_SAMPLE_RATE / 10));
    expect(frames[0]).toHaveLength(MEL_BINS);
    for (const frame of frames) for (const value of frame) expect(value).toBeCloseTo(SILENCE_FEATURE, 9);
  });
});
