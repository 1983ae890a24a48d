import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { BlendshapeFrame } from '../../domain/session-events';
import { Wav2ArkitAnimator } from './wav2arkit';
import { createWav2ArkitSession } from './wav2arkit-session';

interface RuntimeFixture {
  sampleRate: number;
  samples: number;
  pcm16: string;
  weights: number[][];
}

// Written by models/wav2arkit/fixtures.py with eval.py's streaming procedure on Python onnxruntime, for an
// utterance by a held-out espeak voice: the published metrics hold for this runtime only if both agree.
const fixture: RuntimeFixture = JSON.parse(
  readFileSync(new URL('../../../../models/wav2arkit/fixtures/runtime.json', import.meta.url), 'utf8'),
);

describe('Wav2ArkitAnimator', () => {
  it('predicts what the Python evaluation measured, frame for frame', async () => {
    const bytes = Buffer.from(fixture.pcm16, 'base64');
    const pcm = new Int16Array(bytes.buffer, bytes.byteOffset, bytes.length / 2);
    expect(pcm.length).toBe(fixture.samples);
    const stream = new Wav2ArkitAnimator(await createWav2ArkitSession()).createStream(fixture.sampleRate);
    const frames: BlendshapeFrame[] = [];
    const chunk = fixture.sampleRate / 5;
    for (let i = 0; i < pcm.length; i += chunk)
      frames.push(...(await stream.push(pcm.subarray(i, i + chunk))));
    frames.push(...(await stream.flush()));
    expect(frames).toHaveLength(fixture.weights.length);
    let worst = 0;
    frames.forEach((frame, f) => {
      frame.weights.forEach((w, k) => {
        worst = Math.max(worst, Math.abs(w - fixture.weights[f]![k]!));
      });
    });
    expect(worst).toBeLessThan(1e-3);
  });
});
