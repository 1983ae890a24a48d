import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { lookupPhoneme, normalizePhoneme, toSegments } from './normalize';
import { VISEME_PROFILE } from './profile';

const PANGRAM =
  'The quick brown fox jumps over the lazy dog. Thirty-three thieves thought judges were pleasure.';

/** Phoneme names exactly as the installed espeak-ng writes them, one voice. */
function espeakPhonemes(voice: string, ipa: boolean): string[] {
  const out = execFileSync('espeak-ng', ['-q', ipa ? '--ipa' : '-x', '--sep= ', '-v', voice, PANGRAM], {
    encoding: 'utf8',
  });
  return out.split(/\s+/).filter(Boolean);
}

describe('phoneme normalization', () => {
  it('knows every phoneme real espeak-ng emits for English voices, in its own names and in IPA', () => {
    for (const voice of ['en-us', 'en', 'en-gb-scotland', 'en-gb-x-rp', 'en-029']) {
      for (const ipa of [false, true]) {
        const unknown = espeakPhonemes(voice, ipa).filter(
          (p) => lookupPhoneme(p, ipa ? 'ipa' : 'espeak') === null,
        );
        expect(unknown, `${voice} ${ipa ? 'ipa' : 'espeak'}`).toEqual([]);
      }
    }
  });

  it('maps espeak mnemonics, stress marks and suffixes to one canonical set', () => {
    expect(normalizePhoneme("'aI", 'espeak')).toBe('ay');
    expect(normalizePhoneme('tS', 'espeak')).toBe('ch');
    expect(normalizePhoneme('@2', 'espeak')).toBe('ah');
    expect(normalizePhoneme('_:', 'espeak')).toBe('sil');
    expect(normalizePhoneme('T', 'espeak')).toBe('th');
    expect(normalizePhoneme('D', 'espeak')).toBe('dh');
  });

  it('maps ARPAbet with stress digits in any case, and its silence markers', () => {
    expect(normalizePhoneme('AH0', 'arpabet')).toBe('ah');
    expect(normalizePhoneme('iy1', 'arpabet')).toBe('iy');
    expect(normalizePhoneme('SIL', 'arpabet')).toBe('sil');
    expect(normalizePhoneme('+NOISE+', 'arpabet')).toBe(VISEME_PROFILE.unknownPhoneme);
    expect(normalizePhoneme('AXR', 'arpabet')).toBe('er');
  });

  it('maps IPA with stress, length marks and tie bars', () => {
    expect(normalizePhoneme('ˈeɪ', 'ipa')).toBe('ey');
    expect(normalizePhoneme('iː', 'ipa')).toBe('iy');
    expect(normalizePhoneme('t͡ʃ', 'ipa')).toBe('ch');
    expect(normalizePhoneme('ɹ', 'ipa')).toBe('r');
  });

  it('returns null from lookup and the neutral fallback from normalize for names it does not know', () => {
    expect(lookupPhoneme('QQQ', 'espeak')).toBeNull();
    expect(normalizePhoneme('QQQ', 'espeak')).toBe(VISEME_PROFILE.unknownPhoneme);
  });

  it('builds gap-free segments: gaps become silence, overlaps are cut, empty and NaN spans are dropped', () => {
    const segments = toSegments(
      [
        { phoneme: 'M', startMs: 100, endMs: 180 },
        { phoneme: 'AA1', startMs: 170, endMs: 300 },
        { phoneme: 'P', startMs: 320, endMs: 320 },
        { phoneme: 'B', startMs: Number.NaN, endMs: 400 },
        { phoneme: 'S', startMs: 350, endMs: 420 },
      ],
      'arpabet',
    );
    expect(segments).toEqual([
      { phoneme: 'sil', startMs: 0, endMs: 100 },
      { phoneme: 'm', startMs: 100, endMs: 180 },
      { phoneme: 'aa', startMs: 180, endMs: 300 },
      { phoneme: 'sil', startMs: 300, endMs: 350 },
      { phoneme: 's', startMs: 350, endMs: 420 },
    ]);
  });
});
