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
 * the decoder's best path an alignment, and `-time yes` prints each word's start and end. Phones inside a word are
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
      await run('sox', [wavPath, '-r', '16000', '-c', '1', '-b', '16', '-e', 'signed-integer', wav16k], {
        signal,
      });
      await writeFile(grammar, `#JSGF V1.0;\ngrammar forced;\npublic <utterance> = ${known.join(' ')};\n`);
      const { stdout } = await run(
        'pocketsphinx_continuous',
        [
          '-infile',
          wav16k,
          '-hmm',
          path.join(this.modelDir, 'en-us'),
          '-dict',
          path.join(this.modelDir, 'cmudict-en-us.dict'),
          '-jsgf',
          grammar,
          '-time',
          'yes',
          '-logfn',
          '/dev/null',
        ],
        { signal, maxBuffer: 16 * 1024 * 1024 },
      );
      const timings = parseWordTimings(stdout);
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

/** `word start end confidence` lines (seconds); silences and fillers are dropped. */
export function parseWordTimings(stdout: string): WordTiming[] {
  const timings: WordTiming[] = [];
  for (const line of stdout.split('\n')) {
    const match = /^(\S+) (\d+\.\d+) (\d+\.\d+) [-\d.e]+$/.exec(line.trim());
    if (!match || match[1]!.startsWith('<') || match[1]!.startsWith('[')) continue;
    timings.push({
      word: match[1]!.replace(/\(\d+\)$/, ''),
      startMs: Math.round(Number(match[2]) * 1000),
      endMs: Math.round(Number(match[3]) * 1000),
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
