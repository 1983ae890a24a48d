/**
 * Text the platform refuses in any input: U+0000 (Postgres text cannot hold it) and lone UTF-16 surrogates
 * (half a character, which no encoder can write out). Inputs carrying them are rejected, not repaired: a client
 * sending them has a bug worth seeing.
 */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function isUnsafeText(text: string): boolean {
  return text.includes('\u0000') || LONE_SURROGATE.test(text);
}

/**
 * The path (`input.name`, `ids.2`) of the first string inside `value` that holds unsafe text, or null. Object
 * keys are checked too.
 */
export function findUnsafeText(value: unknown, path = ''): string | null {
  if (typeof value === 'string') return isUnsafeText(value) ? path : null;
  if (value === null || typeof value !== 'object') return null;
  for (const [key, item] of Object.entries(value)) {
    const at = path ? `${path}.${key}` : key;
    if (isUnsafeText(key)) return at;
    const found = findUnsafeText(item, at);
    if (found !== null) return found;
  }
  return null;
}

/**
 * The words two successive hypotheses of the same growing utterance agree on, from the start (LocalAgreement-2,
 * as in whisper_streaming): a re-decode of more audio rarely changes a prefix two decodes already agreed on, so
 * this part of a partial transcript can be shown without flicker. Compared without case or punctuation; the
 * words are returned as the newer hypothesis writes them.
 */
export function agreedPrefix(previous: string, current: string): string {
  const normalize = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');
  const before = previous.trim().split(/\s+/).filter(Boolean);
  const now = current.trim().split(/\s+/).filter(Boolean);
  let agreed = 0;
  while (
    agreed < before.length &&
    agreed < now.length &&
    normalize(before[agreed]!) === normalize(now[agreed]!)
  ) {
    agreed++;
  }
  return now.slice(0, agreed).join(' ');
}
