import { describe, expect, it } from 'vitest';
import { heardTextAt, PlaybackLedger } from './playback';

describe('heardTextAt', () => {
  const segment = (text: string, startMs: number, endMs: number, words = false) => ({
    text,
    startMs,
    endMs,
    complete: true,
    words: words
      ? text.split(' ').map((word, index, all) => {
          const step = (endMs - startMs) / all.length;
          return { word, index, startMs: startMs + index * step, endMs: startMs + (index + 1) * step };
        })
      : [],
  });

  it('keeps whole played sentences and the played words of the cut one', () => {
    const segments = [segment('One two.', 0, 1000, true), segment('Three four five six.', 1000, 2000, true)];
    expect(heardTextAt(segments, 0)).toBe('');
    expect(heardTextAt(segments, 1000)).toBe('One two.');
    expect(heardTextAt(segments, 1400)).toBe('One two. Three four');
    expect(heardTextAt(segments, 5000)).toBe('One two. Three four five six.');
  });

  it('estimates by the share of audio played when there are no word timings, whole words only', () => {
    expect(heardTextAt([segment('abcd efgh ijkl mnop', 0, 1900)], 1000)).toBe('abcd efgh');
  });
});

describe('PlaybackLedger', () => {
  it('places sentences one after another and moves chunk word timings onto the answer timeline', () => {
    const ledger = new PlaybackLedger();
    const first = ledger.beginSentence('Hello there.');
    ledger.addAudio(first, 300, [{ word: 'Hello', index: 0, startMs: 0, endMs: 250 }]);
    ledger.addAudio(first, 300, [{ word: 'there.', index: 1, startMs: 0, endMs: 280 }]);
    ledger.endSentence(first);
    const second = ledger.beginSentence('Bye.');
    ledger.addAudio(second, 400);
    expect(first).toMatchObject({ startMs: 0, endMs: 600, complete: true });
    expect(first.words.map((w) => [w.startMs, w.endMs])).toEqual([
      [0, 250],
      [300, 580],
    ]);
    expect(second).toMatchObject({ startMs: 600, endMs: 1000, complete: false });
    // Only complete sentences count as said.
    expect(ledger.spokenText).toBe('Hello there.');
  });

  it('counts playback from the first audio sent, in real time, capped at what was sent', () => {
    const ledger = new PlaybackLedger();
    expect(ledger.playedMs(1_000)).toBe(0);
    expect(ledger.isPlaying(1_000)).toBe(false);
    expect(ledger.markSent(240, 1_000)).toBe(true);
    expect(ledger.markSent(480, 1_100)).toBe(false);
    expect(ledger.playedMs(1_300)).toBe(300);
    expect(ledger.isPlaying(1_300)).toBe(true);
    expect(ledger.playedMs(5_000)).toBe(480);
    expect(ledger.isPlaying(5_000)).toBe(false);
    // A client's own count is trusted only within what it was sent.
    expect(ledger.clampPlayed(900)).toBe(480);
    expect(ledger.clampPlayed(-5)).toBe(0);
  });

  it('treats text-only sentences as heard as soon as they are delivered', () => {
    const ledger = new PlaybackLedger();
    ledger.addText('One.');
    ledger.addText('Two.');
    expect(ledger.heardAt(ledger.playedMs(10))).toBe('One. Two.');
    expect(ledger.isPlaying(10)).toBe(false);
  });
});
