import type { SttResult } from '../types';

/** Every result a transcription yields, partials and final, in order. */
export async function collectResults(results: AsyncIterable<SttResult>): Promise<SttResult[]> {
  const out: SttResult[] = [];
  for await (const result of results) out.push(result);
  return out;
}

/** Word errors of a transcript against the words said: substitutions, insertions and deletions (edit distance). */
export function wordErrors(said: string, heard: string): { errors: number; words: number } {
  const reference = words(said);
  const hypothesis = words(heard);
  let previous = Array.from({ length: hypothesis.length + 1 }, (_, j) => j);
  for (let i = 1; i <= reference.length; i++) {
    const current = [i];
    for (let j = 1; j <= hypothesis.length; j++) {
      const substitution = (previous[j - 1] as number) + (reference[i - 1] === hypothesis[j - 1] ? 0 : 1);
      current.push(Math.min(substitution, (previous[j] as number) + 1, (current[j - 1] as number) + 1));
    }
    previous = current;
  }
  return { errors: previous[hypothesis.length] as number, words: reference.length };
}

/** A transcript's words, lower case, without punctuation: what word accuracy compares. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
