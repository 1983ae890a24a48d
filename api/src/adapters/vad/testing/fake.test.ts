import { describe, expect, it } from 'vitest';
import { FakeVad } from './fake';

const frame = () => new Float32Array(512);

describe('FakeVad', () => {
  it('returns the scripted probabilities, then `after`, and restarts on reset', async () => {
    const vad = new FakeVad({ probabilities: [0.1, 0.9], after: 0.3 });
    expect([await vad.process(frame()), await vad.process(frame()), await vad.process(frame())]).toEqual([
      0.1, 0.9, 0.3,
    ]);
    vad.reset();
    expect(await vad.process(frame())).toBe(0.1);
    expect(vad.windows).toHaveLength(4);
    expect(vad.resets).toBe(1);
  });

  it('can answer from the frame content and fail as scripted', async () => {
    const loud = new FakeVad({ probabilities: (_, f) => (f[0]! > 0.5 ? 1 : 0) });
    const speech = frame();
    speech[0] = 0.8;
    expect(await loud.process(speech)).toBe(1);
    expect(await loud.process(frame())).toBe(0);
    await expect(new FakeVad({ failWith: new Error('vad down') }).process(frame())).rejects.toThrow(
      'vad down',
    );
    await expect(new FakeVad().process(new Float32Array(10))).rejects.toThrow(/512-sample/);
  });
});
