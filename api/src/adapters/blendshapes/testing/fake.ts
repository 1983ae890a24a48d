import { frameSampleRange, neutralWeights } from '../../../domain/arkit';
import type { BlendshapeFrame } from '../../../domain/session-events';
import type { BlendshapeAnimator, BlendshapeStream } from '../types';

/**
 * Scriptable animator for pipeline tests: one frame per 1/30 s of pushed audio with the weights you set
 * (neutral by default), optional latency, and a failure switch that yields no frames (as the real ones do).
 */
export class FakeBlendshapeAnimator implements BlendshapeAnimator {
  readonly label = 'fake';
  weights: number[] = neutralWeights();
  latencyMs = 0;
  failing = false;
  readonly pushed: number[] = [];

  createStream(sampleRate: number): BlendshapeStream {
    let samples = 0;
    let next = 0;
    const emit = async (final: boolean): Promise<BlendshapeFrame[]> => {
      if (this.latencyMs > 0) await new Promise((resolve) => setTimeout(resolve, this.latencyMs));
      if (this.failing) return [];
      const frames: BlendshapeFrame[] = [];
      for (;;) {
        const range = frameSampleRange(next, sampleRate);
        if (range.sampleEnd > samples && !(final && range.sampleStart < samples)) break;
        frames.push({
          index: next++,
          ...range,
          sampleEnd: Math.min(range.sampleEnd, samples),
          weights: [...this.weights],
        });
      }
      return frames;
    };
    return {
      push: (chunk) => {
        samples += chunk.length;
        this.pushed.push(chunk.length);
        return emit(false);
      },
      flush: async () => {
        const frames = await emit(true);
        samples = 0;
        next = 0;
        return frames;
      },
    };
  }
}
