import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Alignment, PhoneTiming, WordTiming } from '../shared';

const run = promisify(execFile);

export const POCKETSPHINX_MODEL_DIR = '/usr/share/pocketsphinx/model/en-us';

export interface ForcedAligner {
  align(wavPath: string, text: string, signal?: AbortSignal): Promise<Alignment>;
}

/** Vowels last longer than consonants; used to share a word's aligned span among its phones. */
const VOWELS = new Set([
  'AA',
  'AE',
  'AH',
  'AO',
  'AW',
  'AY',
  'EH',
  'ER',
  'EY',
  'IH',
  'IY',
  'OW',
  'OY',
  'UH',
  'UW',
]);

/**
 * Forced alignment with Debian's pocketsphinx: a JSGF grammar that accepts exactly the known words in order makes
 * the decoder's best path an alignment, and `-hypseg` gives where each word starts. Phones inside a word are
 * its CMU-dictionary pronunciation spread over the word's aligned span (vowels weighted double): pocketsphinx 0.8
 * has no phone-level forced alignment from the command line, and `-allphone` recognises phones freely instead.
 */
export class PocketsphinxAligner implements ForcedAligner {
  #dictionary?: Promise<Map<string, string[]>>;

  constructor(private readonly modelDir = POCKETSPHINX_MODEL_DIR) {}

  async align(wavPath: string, text: string, signal?: AbortSignal): Promise<Alignment> {
    const dictionary = await this.dictionary();
    const words = text
      .toLowerCase()
      .replace(/[^a-z0-9' ]+/g, ' ')
      .split(/\s+/)
      .filter(Boolean);
    const known = words.filter((w) => dictionary.has(w));
    const unknownWords = words.filter((w) => !dictionary.has(w));
    if (known.length === 0) return { source: 'pocketsphinx-forced', words: [], phones: [], unknownWords };

    const dir = await mkdtemp(path.join(tmpdir(), 'align-'));
    try {
      const wav16k = path.join(dir, 'speech.wav');
      const grammar = path.join(dir, 'words.jsgf');
      const control = path.join(dir, 'control');
      const segments = path.join(dir, 'speech.seg');
      await run('sox', [wavPath, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav16k], {
        signal,
      });
      await writeFile(grammar, `#JSGF V1.0;\ngrammar forced;\npublic <utterance> = ${known.join(' ')};\n`);
      await writeFile(control, 'speech\n');
      // The batch tool decodes the file as one utterance: the continuous one cuts it at pauses, and a grammar of
      // the whole text cannot match any of the pieces.
      await run(
        'pocketsphinx_batch',
        [
          '-adcin',
          'yes',
          '-cepdir',
          dir,
          '-cepext',
          '.wav',
          '-ctl',
          control,
          '-hypseg',
          segments,
          '-hmm',
          path.join(this.modelDir, 'en-us'),
          '-dict',
          path.join(this.modelDir, 'cmudict-en-us.dict'),
          '-jsgf',
          grammar,
          '-logfn',
          '/dev/null',
        ],
        { signal },
      );
      const timings = parseHypseg(await readFile(segments, 'utf8').catch(() => ''));
      return {
        source: 'pocketsphinx-forced',
        words: timings,
        phones: spreadPhones(timings, dictionary),
        unknownWords,
      };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  private dictionary(): Promise<Map<string, string[]>> {
    this.#dictionary ??= readFile(path.join(this.modelDir, 'cmudict-en-us.dict'), 'utf8').then((text) => {
      const map = new Map<string, string[]>();
      for (const line of text.split('\n')) {
        const [word, ...phones] = line.trim().split(/\s+/);
        // Alternate pronunciations ("word(2)") are skipped: the first one is the common one.
        if (word && phones.length > 0 && !word.includes('(')) map.set(word, phones);
      }
      return map;
    });
    return this.#dictionary;
  }
}

/**
 * A `-hypseg` line: `uttid S score T total A acoustic L lm`, then `startFrame acoustic lm word` per word and the
 * final frame count (10 ms frames); a word ends where the next begins. Silences and fillers are dropped; an
 * utterance that could not be aligned has no words.
 */
export function parseHypseg(line: string): WordTiming[] {
  const fields = line.trim().split(/\s+/).slice(9);
  const timings: WordTiming[] = [];
  for (let i = 0; i + 4 < fields.length; i += 4) {
    const word = fields[i + 3]!;
    if (word.startsWith('<') || word.startsWith('[')) continue;
    timings.push({
      word: word.replace(/\(\d+\)$/, ''),
      startMs: Number(fields[i]) * 10,
      endMs: Number(fields[i + 4]) * 10,
    });
  }
  return timings;
}

function spreadPhones(words: WordTiming[], dictionary: Map<string, string[]>): PhoneTiming[] {
  const phones: PhoneTiming[] = [];
  for (const word of words) {
    const pronunciation = dictionary.get(word.word) ?? [];
    const weights = pronunciation.map((p) => (VOWELS.has(p) ? 2 : 1));
    const total = weights.reduce((a, b) => a + b, 0);
    let at = word.startMs;
    pronunciation.forEach((phone, i) => {
      const end =
        i === pronunciation.length - 1
          ? word.endMs
          : at + ((word.endMs - word.startMs) * weights[i]!) / total;
      phones.push({ phone, word: word.word, startMs: Math.round(at), endMs: Math.round(end) });
      at = end;
    });
  }
  return phones;
}
