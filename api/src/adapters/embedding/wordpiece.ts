/**
 * BERT's uncased WordPiece tokenizer (basic tokenization, then greedy longest-match sub-words), enough for
 * sentence-embedding models such as all-MiniLM-L6-v2 that ship a `vocab.txt`.
 */
export class WordPieceTokenizer {
  readonly #vocab: Map<string, number>;
  readonly #cls: number;
  readonly #sep: number;
  readonly #unk: number;

  constructor(vocabLines: string[]) {
    this.#vocab = new Map(vocabLines.map((token, id) => [token, id]));
    this.#cls = this.#id('[CLS]');
    this.#sep = this.#id('[SEP]');
    this.#unk = this.#id('[UNK]');
  }

  static fromVocabText(text: string): WordPieceTokenizer {
    return new WordPieceTokenizer(
      text.split(/\r?\n/).filter((line, i, all) => line !== '' || i < all.length - 1),
    );
  }

  /** Token ids with [CLS] and [SEP], truncated to `maxTokens` in total. */
  encode(text: string, maxTokens: number): number[] {
    const ids: number[] = [];
    for (const word of basicTokens(text)) {
      ids.push(...this.#wordPieces(word));
      if (ids.length >= maxTokens - 2) break;
    }
    return [this.#cls, ...ids.slice(0, maxTokens - 2), this.#sep];
  }

  #id(token: string): number {
    const id = this.#vocab.get(token);
    if (id === undefined) throw new Error(`vocabulary has no ${token}`);
    return id;
  }

  #wordPieces(word: string): number[] {
    if (word.length > 100) return [this.#unk];
    const pieces: number[] = [];
    let start = 0;
    while (start < word.length) {
      let end = word.length;
      let found: number | undefined;
      while (start < end) {
        const piece = (start > 0 ? '##' : '') + word.slice(start, end);
        found = this.#vocab.get(piece);
        if (found !== undefined) break;
        end--;
      }
      if (found === undefined) return [this.#unk];
      pieces.push(found);
      start = end;
    }
    return pieces;
  }
}

/** Lower-cases, strips accents, splits on whitespace and isolates punctuation and CJK characters. */
export function basicTokens(text: string): string[] {
  const cleaned = text
    .replace(/[\p{Cc}\p{Cf}]/gu, (c) => (/\s/.test(c) ? ' ' : ''))
    .replace(/[\u4e00-\u9fff\u3400-\u4dbf\uf900-\ufaff]/gu, ' $& ')
    .toLowerCase()
    .normalize('NFD')
    .replace(/\p{Mn}/gu, '');
  const tokens: string[] = [];
  for (const chunk of cleaned.split(/\s+/)) {
    if (chunk) tokens.push(...chunk.split(/([\p{P}\p{S}])/u).filter((t) => t !== '' && isNotSpace(t)));
  }
  return tokens;
}

function isNotSpace(token: string): boolean {
  return token.trim() !== '';
}
