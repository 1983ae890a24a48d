import type { SttResult } from '../types';

/** Every result a transcription yields, partials and final, in order. */
export async function collectResults(results: AsyncIterable<SttResult>): Promise<SttResult[]> {
  const out: SttResult[] = [];
  for await (const result of results) out.push(result);
  return out;
}

/** A transcript's words, lower case, without punctuation: what word accuracy compares. */
export function words(text: string): string[] {
  return text
    .toLowerCase()
    .replace(/[^a-z' ]/g, ' ')
    .split(/\s+/)
    .filter(Boolean);
}
