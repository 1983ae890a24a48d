/**
 * The word numbering every TTS adapter reports (`WordTiming.index`) and gesture plans anchor to: the
 * whitespace-separated tokens of the sentence, from 0.
 */
export function textWords(text: string): { token: string; index: number; offset: number }[] {
  return [...text.matchAll(/\S+/g)].map((match, index) => ({ token: match[0], index, offset: match.index }));
}

/** The word as spoken, without surrounding punctuation (`"there,"` → `there`). */
export function spokenWord(token: string): string {
  return token.replace(/^[^\p{L}\p{N}]+|[^\p{L}\p{N}]+$/gu, '') || token;
}
