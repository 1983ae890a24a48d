import { describe, expect, it } from 'vitest';
import { basicTokens, WordPieceTokenizer } from './wordpiece';

describe('WordPiece tokenizer', () => {
  const vocab = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', 'hello', ',', 'world', '!', 'play', '##ing', 'cafe'];
  const tokenizer = new WordPieceTokenizer(vocab);

  it('lower-cases, strips accents and isolates punctuation', () => {
    expect(basicTokens('Hello, Wörld!  Café')).toEqual(['hello', ',', 'world', '!', 'cafe']);
  });

  it('splits words into the longest known pieces and marks unknown words', () => {
    expect(tokenizer.encode('Playing, hello zebra', 16)).toEqual([2, 8, 9, 5, 4, 1, 3]);
  });

  it('truncates to the token limit keeping [CLS] and [SEP]', () => {
    expect(tokenizer.encode('hello hello hello hello', 4)).toEqual([2, 4, 4, 3]);
  });
});
