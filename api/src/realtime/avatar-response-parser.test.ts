import { describe, expect, it } from 'vitest';
import {
  type AvatarResponse,
  AvatarResponseParser,
  type ParserEvent,
  SentenceSplitter,
} from './avatar-response-parser';

interface Parsed {
  sentences: string[];
  result: AvatarResponse;
  /** Sentences seen before end() was called: proof that speech can start early. */
  sentencesBeforeEnd: number;
}

function parse(chunks: string[], defaults = { emotion: 'neutral' }): Parsed {
  const parser = new AvatarResponseParser(defaults);
  const events: ParserEvent[] = [];
  for (const chunk of chunks) events.push(...parser.push(chunk));
  const sentencesBeforeEnd = events.filter((e) => e.type === 'sentence').length;
  const { events: last, result } = parser.end();
  events.push(...last);
  return {
    sentences: events.map((e) => e.text),
    result,
    sentencesBeforeEnd,
  };
}

const splitAt = (s: string, i: number) => [s.slice(0, i), s.slice(i)];
const charByChar = (s: string) => [...s.split('')];

const answer = JSON.stringify({
  text: 'Hello there! I am Ada. How can I help?',
  gesture_plan: [{ gesture: 'wave', word_index: 0, duration_ms: 800, intensity: 0.7 }],
  emotion: 'happy',
  actions: ['open_menu'],
});

describe('AvatarResponseParser', () => {
  it('streams the text value, emits each sentence as soon as it ends, and validates the rest', () => {
    const { sentences, result, sentencesBeforeEnd } = parse(answer.match(/.{1,5}/gs) ?? []);
    expect(sentences).toEqual(['Hello there!', 'I am Ada.', 'How can I help?']);
    // The closing quote of "text" ends the last sentence before the JSON is even finished.
    expect(sentencesBeforeEnd).toBe(3);
    expect(result).toEqual({
      text: 'Hello there! I am Ada. How can I help?',
      gesturePlan: [{ gesture: 'wave', wordIndex: 0, durationMs: 800, intensity: 0.7 }],
      emotion: 'happy',
      actions: ['open_menu'],
      format: 'json',
      warnings: [],
    });
  });

  it('emits the first sentence before the second one is complete', () => {
    const parser = new AvatarResponseParser();
    const first = parser.push('{"text": "One sentence. Second sen');
    expect(first.filter((e) => e.type === 'sentence')).toEqual([
      { type: 'sentence', text: 'One sentence.', index: 0 },
    ]);
  });

  const tricky = JSON.stringify({
    emotion: 'curious',
    gesture_plan: [{ gesture: 'think', text: 'not this one' }],
    text: 'Line one.\nSays "hi" \\ back. Café ☕ and 😀 ok! Tab\there?',
    actions: [],
  })
    .replace('Café', 'Caf\\u00e9')
    .replace('😀', '\\ud83d\\ude00');

  it('decodes escapes, \\u sequences and surrogate pairs, with keys in any order and nested "text" ignored', () => {
    const { result } = parse([tricky]);
    const expected = 'Line one.\nSays "hi" \\ back. Café ☕ and 😀 ok! Tab\there?';
    expect(result.text).toBe(expected);
    expect(result.emotion).toBe('curious');
  });

  it('gives identical sentences and result for a chunk boundary at every position', () => {
    for (const input of [answer, tricky]) {
      const whole = parse([input]);
      for (let i = 0; i <= input.length; i++) {
        const split = parse(splitAt(input, i));
        expect(split.sentences, `split at ${i}`).toEqual(whole.sentences);
        expect(split.result, `split at ${i}`).toEqual(whole.result);
      }
      expect(parse(charByChar(input)).result).toEqual(whole.result);
    }
  });

  it('never puts half of a surrogate pair in a sentence, even when raw emoji are split', () => {
    const input = '{"text":"smile 😀 now. 🎉 done"}';
    for (let i = 0; i <= input.length; i++) {
      const { sentences, result } = parse(splitAt(input, i));
      for (const sentence of sentences) {
        expect(
          /[\uD800-\uDBFF]$|^[\uDC00-\uDFFF]/.test(sentence),
          `split at ${i}: ${JSON.stringify(sentence)}`,
        ).toBe(false);
      }
      expect(result.text).toBe('smile 😀 now. 🎉 done');
    }
  });

  it('treats non-JSON output as plain text, streaming it and splitting sentences', () => {
    const { sentences, result } = parse(['  Sure! Here is', ' the answer. Bye']);
    expect(sentences).toEqual(['Sure!', 'Here is the answer.', 'Bye']);
    expect(result).toMatchObject({
      text: 'Sure! Here is the answer. Bye',
      format: 'plain',
      emotion: 'neutral',
    });
  });

  it('keeps the streamed text when the JSON breaks after it (truncated answer)', () => {
    const { result } = parse(['{"text":"All good here.","gesture_plan":[{"gest']);
    expect(result).toMatchObject({
      text: 'All good here.',
      gesturePlan: [],
      emotion: 'neutral',
      format: 'plain',
    });
  });

  it('speaks an unterminated text value rather than nothing', () => {
    const { result, sentences } = parse(['{"text": "I was cut off mid', ' sentence']);
    expect(result.text).toBe('I was cut off mid sentence');
    expect(sentences).toEqual(['I was cut off mid sentence']);
  });

  it('falls back to plain text for malformed JSON without a text value', () => {
    const { result, sentences } = parse(['{"emotion": "sad", oops']);
    expect(result.format).toBe('plain');
    expect(sentences.join(' ')).toBe(result.text);
    expect(result.text).toContain('oops');
  });

  it('accepts a ```json fence and a text under a near-miss key', () => {
    const fenced = parse(['```json\n{"text":"Fenced.","emotion":"calm"}\n```']);
    expect(fenced.result).toMatchObject({ text: 'Fenced.', emotion: 'calm', format: 'json' });
    const alias = parse(['{"response": "Wrong key, still spoken."}']);
    expect(alias.result.text).toBe('Wrong key, still spoken.');
    expect(alias.sentences).toEqual(['Wrong key, still spoken.']);
  });

  it('drops invalid gestures, clamps intensity, filters actions and defaults the emotion', () => {
    const { result } = parse(
      [
        JSON.stringify({
          text: 'Hi.',
          gesture_plan: [
            { gesture: 'nod', intensity: 3, word_index: -1, at_word: 'Hi' },
            { word_index: 1 },
            'wave',
            { gesture: '' },
          ],
          emotion: 42,
          actions: ['ok', 7, null],
        }),
      ],
      { emotion: 'warm' },
    );
    expect(result.gesturePlan).toEqual([{ gesture: 'nod', intensity: 1, atWord: 'Hi' }]);
    expect(result.actions).toEqual(['ok']);
    expect(result.emotion).toBe('warm');
  });

  it('returns an empty text for empty output', () => {
    expect(parse([]).result).toMatchObject({ text: '', format: 'plain' });
    expect(parse(['   ']).sentences).toEqual([]);
  });

  it('never throws on random or truncated output', () => {
    let seed = 7;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed / 2 ** 31;
    };
    const alphabet = '{}[]":,\\ u0123abcdefXYZ.!?\n😀é';
    for (let n = 0; n < 300; n++) {
      const length = Math.floor(random() * 40);
      let input = '';
      for (let i = 0; i < length; i++) input += alphabet[Math.floor(random() * alphabet.length)];
      const truncated = tricky.slice(0, Math.floor(random() * tricky.length));
      for (const text of [input, truncated, `{${input}`]) {
        const { sentences, result } = parse(text.match(/[\s\S]{1,3}/g) ?? []);
        // Whatever is said is part of the answer's text.
        for (const sentence of sentences) expect(result.text).toContain(sentence);
      }
    }
  });
});

describe('SentenceSplitter', () => {
  const split = (text: string) => {
    const splitter = new SentenceSplitter();
    return [...splitter.push(text), ...splitter.flush()];
  };

  it('does not cut after abbreviations, initials or decimals', () => {
    expect(split('Dr. Smith met J. Doe at 3.15 p.m. today. Really?! Yes.')).toEqual([
      'Dr. Smith met J. Doe at 3.15 p.m. today.',
      'Really?!',
      'Yes.',
    ]);
  });

  it('cuts at closing quotes, newlines and full-width terminators', () => {
    expect(split('He said "stop." Then left\nNew line。次の文')).toEqual([
      'He said "stop."',
      'Then left',
      'New line。',
      '次の文',
    ]);
  });

  it("ends an answer's first piece at its opening clause, once it has enough words, and only the first", () => {
    const splitter = new SentenceSplitter({ firstClauseWords: 4 });
    // "Well," is too short to be said alone; "3,000" has no pause.
    expect(splitter.push('Well, the museum has 3,000 paintings')).toEqual([]);
    expect(splitter.push(', most of them')).toEqual(['Well, the museum has 3,000 paintings,']);
    expect(splitter.push(' French, and a cafe. It opens, as always, at nine.')).toEqual([
      'most of them French, and a cafe.',
    ]);
    expect(splitter.flush()).toEqual(['It opens, as always, at nine.']);
  });

  it('cuts an endless sentence at a pause so speech is not held back', () => {
    const long = `${'word '.repeat(30)}and then, ${'more '.repeat(40)}`;
    const parts = new SentenceSplitter({ maxChars: 120 }).push(long);
    expect(parts.length).toBeGreaterThan(0);
    for (const part of parts) expect(part.length).toBeLessThanOrEqual(120);
  });
});
