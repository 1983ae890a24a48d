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
