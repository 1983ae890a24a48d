import { describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../test-support/speech';
import { StreamingResampler, WindowAssembler } from '../adapters/audio/resampler';
import { createSileroSession, SileroVad } from '../adapters/vad/silero';
import { TurnDetector, type TurnEvent } from './turn-detector';

/** Feeds probabilities window by window and records each event with the window that caused it. */
function feed(detector: TurnDetector, probabilities: number[]): Array<TurnEvent & { window: number }> {
  const out: Array<TurnEvent & { window: number }> = [];
  probabilities.forEach((p, window) => {
    for (const event of detector.push(p)) out.push({ ...event, window });
  });
  return out;
}

const windows = (n: number, p: number) => Array.from({ length: n }, () => p);

describe('TurnDetector', () => {
  it('starts speech after minSpeechMs of speech and ends the turn after the silence window', () => {
    const detector = new TurnDetector({ minSpeechMs: 96, endOfTurnSilenceMs: 480 });
    const events = feed(detector, [...windows(5, 0.1), ...windows(20, 0.9), ...windows(20, 0.05)]);
    expect(events).toEqual([
      { type: 'speechStart', atMs: 5 * 32, window: 7 },
      { type: 'speechEnd', atMs: 25 * 32, endOfTurn: true, reason: 'silence', hadSpeech: true, window: 39 },
    ]);
    expect(detector.speaking).toBe(false);
  });

  it('ignores blips shorter than minSpeechMs', () => {
    const detector = new TurnDetector({ minSpeechMs: 128 });
    const events = feed(detector, [...windows(3, 0.95), 0.1, ...windows(3, 0.95), ...windows(10, 0.1)]);
    expect(events).toEqual([]);
  });

  it('a pause shorter than the silence window does not end the turn', () => {
    const detector = new TurnDetector({ endOfTurnSilenceMs: 500 });
    const events = feed(detector, [
      ...windows(10, 0.9),
      ...windows(12, 0.1),
      ...windows(10, 0.9),
      ...windows(15, 0.1),
    ]);
    expect(events.map((e) => e.type)).toEqual(['speechStart']);
    expect(detector.speaking).toBe(true);
    const more = feed(detector, windows(2, 0.1));
    expect(more).toMatchObject([{ type: 'speechEnd', reason: 'silence', atMs: 32 * 32 }]);
  });

  it('announces a pause once, at pauseMs of silence, and can end the turn there', () => {
    const detector = new TurnDetector({ minSpeechMs: 96, endOfTurnSilenceMs: 480, pauseMs: 224 });
    // Speech, a pause of 8 windows (256 ms: announced at the 7th), speech again, then silence to the end of turn.
    const events = feed(detector, [
      ...windows(10, 0.9),
      ...windows(8, 0.05),
      ...windows(5, 0.9),
      ...windows(16, 0.05),
    ]);
    expect(events.map((e) => [e.type, e.window])).toEqual([
      ['speechStart', 2],
      ['pause', 16],
      ['pause', 29],
      ['speechEnd', 37],
    ]);
    expect(events[1]).toMatchObject({ atMs: 10 * 32 });
    const early = new TurnDetector({ minSpeechMs: 96, endOfTurnSilenceMs: 480, pauseMs: 224 });
    feed(early, [...windows(10, 0.9), ...windows(7, 0.05)]);
    expect(early.pausing).toBe(true);
    expect(early.endIfSilent('complete')).toEqual([
      { type: 'speechEnd', atMs: 320, endOfTurn: true, reason: 'complete', hadSpeech: true },
    ]);
    // Off by default.
    expect(feed(new TurnDetector(), [...windows(10, 0.9), ...windows(10, 0.05)]).map((e) => e.type)).toEqual([
      'speechStart',
    ]);
  });

  it('hysteresis: windows between the two thresholds keep speech going', () => {
    const detector = new TurnDetector({
      activationThreshold: 0.6,
      deactivationThreshold: 0.3,
      endOfTurnSilenceMs: 96,
    });
    const events = feed(detector, [...windows(5, 0.8), ...windows(30, 0.45)]);
    expect(events.map((e) => e.type)).toEqual(['speechStart']);
    // 0.45 would not have started speech on its own.
    expect(feed(new TurnDetector({ activationThreshold: 0.6 }), windows(30, 0.45))).toEqual([]);
  });

  it('uses the configured silence window (default about 500 ms)', () => {
    const quick = new TurnDetector({ endOfTurnSilenceMs: 200 });
    const end = feed(quick, [...windows(5, 0.9), ...windows(10, 0)]).find((e) => e.type === 'speechEnd');
    expect(end?.window).toBe(5 + Math.ceil(200 / 32) - 1);
    const standard = new TurnDetector();
    const endStd = feed(standard, [...windows(5, 0.9), ...windows(30, 0)]).find(
      (e) => e.type === 'speechEnd',
    );
    expect(endStd?.window).toBe(5 + Math.ceil(500 / 32) - 1);
  });

  it('explicit endTurn ends the turn at once, with or without detected speech', () => {
    const detector = new TurnDetector();
    feed(detector, windows(6, 0.9));
    expect(detector.endTurn()).toEqual([
      { type: 'speechEnd', atMs: 6 * 32, endOfTurn: true, reason: 'explicit', hadSpeech: true },
    ]);
    expect(detector.speaking).toBe(false);
    const quiet = new TurnDetector();
    feed(quiet, windows(4, 0.1));
    expect(quiet.endTurn()).toEqual([
      { type: 'speechEnd', atMs: 4 * 32, endOfTurn: true, reason: 'explicit', hadSpeech: false },
    ]);
  });

  it('cancel ends speech without ending the turn, and is silent when nobody speaks', () => {
    const detector = new TurnDetector();
    expect(detector.cancel()).toEqual([]);
    feed(detector, windows(6, 0.9));
    expect(detector.cancel()).toMatchObject([{ type: 'speechEnd', endOfTurn: false, reason: 'cancelled' }]);
  });

  it('speaks again after a turn ends: a second speechStart can drive barge-in', () => {
    const detector = new TurnDetector({ endOfTurnSilenceMs: 160 });
    const events = feed(detector, [...windows(5, 0.9), ...windows(6, 0), ...windows(5, 0.9)]);
    expect(events.map((e) => e.type)).toEqual(['speechStart', 'speechEnd', 'speechStart']);
    expect(events[2]).toMatchObject({ atMs: 11 * 32 });
  });

  it('reset() restarts time and state for a new utterance', () => {
    const detector = new TurnDetector();
    feed(detector, windows(20, 0.9));
    detector.reset();
    expect(detector.speaking).toBe(false);
    expect(feed(detector, windows(3, 0.9))).toMatchObject([{ type: 'speechStart', atMs: 0 }]);
  });

  it('rejects inconsistent options', () => {
    expect(() => new TurnDetector({ activationThreshold: 0.3, deactivationThreshold: 0.5 })).toThrow(
      RangeError,
    );
    expect(() => new TurnDetector({ endOfTurnSilenceMs: 0 })).toThrow(RangeError);
  });
});

describe('TurnDetector on real speech', () => {
  it('finds one turn in espeak speech sent at 48 kHz, through resampler and Silero VAD', async () => {
    const session = await createSileroSession();
    const vad = new SileroVad(session);
    const spoken = await synthesizeSpeech('hello there, could you tell me the time please', 48_000);
    const mic = new Int16Array(48 * 500 + spoken.samples.length + 48 * 1000);
    mic.set(spoken.samples, 48 * 500);
    const resampler = await StreamingResampler.create({ inputRate: 48_000, outputRate: 16_000 });
    const assembler = new WindowAssembler(512);
    const detector = new TurnDetector();
    const events: TurnEvent[] = [];
    // 20 ms packets, as a browser would send them.
    for (let i = 0; i < mic.length; i += 960) {
      for (const window of assembler.push(resampler.push(mic.subarray(i, i + 960)))) {
        events.push(...detector.push(await vad.process(window)));
      }
    }
    resampler.destroy();
    await session.release();

    const speechMs = (spoken.samples.length / 48_000) * 1000;
    expect(events.map((e) => e.type)).toEqual(['speechStart', 'speechEnd']);
    const [start, end] = events as [TurnEvent, Extract<TurnEvent, { type: 'speechEnd' }>];
    // espeak pads its output with a little silence; allow for that and the model's onset.
    expect(start.atMs).toBeGreaterThan(400);
    expect(start.atMs).toBeLessThan(800);
    expect(end).toMatchObject({ endOfTurn: true, reason: 'silence', hadSpeech: true });
    expect(end.atMs).toBeGreaterThan(500 + speechMs * 0.7);
    expect(end.atMs).toBeLessThan(500 + speechMs + 300);
  });
});
