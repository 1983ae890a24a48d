import { describe, expect, it } from 'vitest';
import { agreedPrefix, findUnsafeText, isUnsafeText } from './text';

describe('unsafe text', () => {
  it('finds U+0000 and lone surrogates, and accepts whole characters', () => {
    expect(isUnsafeText('a\u0000b')).toBe(true);
    expect(isUnsafeText('half \uD83D')).toBe(true);
    expect(isUnsafeText('\uDE00 tail')).toBe(true);
    expect(isUnsafeText('emoji 😀, accents é, CJK 你好')).toBe(false);
  });

  it('names the path of the first unsafe string, keys included', () => {
    expect(findUnsafeText({ input: { name: 'ok', tags: ['fine', 'bad\u0000'] } })).toBe('input.tags.1');
    expect(findUnsafeText({ 'k\uD800': 1 })).toBe('k\uD800');
    expect(findUnsafeText({ a: 1, b: [true, null, 'x'] })).toBeNull();
  });
});

describe('agreedPrefix', () => {
  it('keeps the words two hypotheses share from the start, as the newer one writes them', () => {
    expect(agreedPrefix('where are the', 'Where are the impressionist')).toBe('Where are the');
    expect(agreedPrefix('Where are the in', 'Where are the impressionist paintings?')).toBe('Where are the');
    expect(agreedPrefix('Hello, what', 'hello what is')).toBe('hello what');
  });

  it('agrees on nothing when the first words differ or a hypothesis is empty', () => {
    expect(agreedPrefix('ah what', 'hello what')).toBe('');
    expect(agreedPrefix('', 'hello')).toBe('');
    expect(agreedPrefix('hello', '  ')).toBe('');
  });
});
