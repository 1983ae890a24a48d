import type { PhonemeTiming } from '../../domain/audio';
import { VISEME_PROFILE, type VisemeProfile } from './profile';

/** Where phoneme names come from: espeak-ng event mnemonics, CMUdict/pocketsphinx ARPAbet, or IPA. */
export type PhonemeSource = 'espeak' | 'arpabet' | 'ipa';

/** A canonical phoneme (ARPAbet, lower case, or `sil`) over a time span. */
export interface PhonemeSegment {
  phoneme: string;
  startMs: number;
  endMs: number;
}

// Stress and length marks carry no mouth shape. Mirrors models/wav2arkit/visemes.py.
const STRIP: Record<PhonemeSource, RegExp> = {
  espeak: /['ˈˌ,%=]/g,
  ipa: /[ˈˌːˑ]|[\u0300-\u035b]|[\u035d-\u036f]/g,
  arpabet: /[0-9]/g,
};

/** The canonical phoneme for a source's name, or null when the alias table does not know it. */
export function lookupPhoneme(name: string, source: PhonemeSource, profile: VisemeProfile = VISEME_PROFILE) {
  const table = profile.phonemeAliases[source];
  let cleaned = name.trim().replace(STRIP[source], '');
  if (source === 'arpabet') cleaned = cleaned.toLowerCase();
  if (cleaned === '') return 'sil';
  const exact = table[cleaned];
  if (exact !== undefined) return exact;
  // espeak adds suffixes (`@2`, `l/`, `t#`) and IPA adds diacritics: fall back to the longest known prefix.
  for (let length = cleaned.length - 1; length > 0; length--) {
    const prefix = table[cleaned.slice(0, length)];
    if (prefix !== undefined) return prefix;
  }
  return null;
}

/** Like lookupPhoneme, but unknown names become the profile's `unknownPhoneme` (a neutral open vowel). */
export function normalizePhoneme(
  name: string,
  source: PhonemeSource,
  profile: VisemeProfile = VISEME_PROFILE,
): string {
  return lookupPhoneme(name, source, profile) ?? profile.unknownPhoneme;
}

/**
 * Canonical, time-ordered, gap-free segments from 0 ms: gaps (and the time before the first phoneme) become
 * `sil`, overlaps are cut at the previous end, empty or NaN spans are dropped.
 */
export function toSegments(
  timings: readonly PhonemeTiming[],
  source: PhonemeSource,
  profile: VisemeProfile = VISEME_PROFILE,
): PhonemeSegment[] {
  const sorted = timings
    .filter((t) => Number.isFinite(t.startMs) && Number.isFinite(t.endMs))
    .toSorted((a, b) => a.startMs - b.startMs);
  const segments: PhonemeSegment[] = [];
  let cursor = 0;
  for (const timing of sorted) {
    const startMs = Math.max(timing.startMs, cursor);
    if (timing.endMs <= startMs) continue;
    if (startMs > cursor) segments.push({ phoneme: 'sil', startMs: cursor, endMs: startMs });
    segments.push({
      phoneme: normalizePhoneme(timing.phoneme, source, profile),
      startMs,
      endMs: timing.endMs,
    });
    cursor = timing.endMs;
  }
  return segments;
}
