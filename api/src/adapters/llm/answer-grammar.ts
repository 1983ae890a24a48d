import type { AnswerContract } from '../../domain/answer-contract';

/** Longest spoken text: a few sentences. The grammar closes the answer within it. */
const MAX_TEXT_CHARS = 320;

/**
 * Tokens a contract answer can take, so a token limit never cuts one off mid-JSON: English text runs about four
 * characters a token, counted here at two; each gesture and action costs at most a dozen or so tokens.
 */
export function answerTokenBound(contract: AnswerContract): number {
  return Math.ceil(MAX_TEXT_CHARS / 2) + 16 * contract.maxGestures + 8 * contract.actions.length + 32;
}

/**
 * Characters never said out loud, as a GBNF character-class fragment: control characters, markup, and the braces
 * and brackets of template placeholders ("[city_name]") a small model copies from its training data.
 */
const UNSPOKEN = '\\x00-\\x1f{}\\[\\]<>*#`';

/**
 * How every answer starts. The adapter writes it as the model's first words instead of sampling its tokens one
 * by one (time before the first spoken word), and the grammar continues from there.
 */
export const ANSWER_PREFIX = '{"text":"';

/**
 * The answer contract as a llama.cpp GBNF grammar for what follows `ANSWER_PREFIX`, so a local model cannot
 * write anything else: the JSON skeleton is fixed text, "text" comes first, gestures and emotion are the
 * contract's names, and "actions" lists only the contract's actions (none: always `[]`).
 *
 * Written by hand rather than with node-llama-cpp's generic JSON-schema grammar because that one allows
 * newlines and indentation between fields, which a small model spends tokens (and the user's wait) on, and it
 * cannot say that the spoken text starts with a word rather than a space or a comma.
 */
export function answerGrammar(contract: AnswerContract): string {
  const literal = (text: string) => JSON.stringify(text);
  const choice = (names: readonly string[]) => names.map((n) => literal(`"${n}"`)).join(' | ');
  const rules = [
    `root ::= text ${literal(',"gesture_plan":[')} plan ${literal('],"emotion":')} emotion ${literal(',"actions":[')} actions "]}"`,
    // The spoken text after its opening quote: starts with a word, holds nothing unspoken, ends in time; quotes
    // and backslashes only escaped.
    `text ::= [^"\\\\${UNSPOKEN},.;:!?'\\x20-] char{0,${MAX_TEXT_CHARS - 1}} "\\""`,
    `char ::= [^"\\\\${UNSPOKEN}] | "\\\\" ["\\\\]`,
    `emotion ::= ${choice(contract.emotions)}`,
  ];
  if (contract.gestures.length === 0) {
    rules.push('plan ::= ""');
  } else {
    const more = Math.max(0, contract.maxGestures - 1);
    rules.push(
      `plan ::= (gesture ("," gesture){0,${more}})?`,
      `gesture ::= ${literal('{"gesture":')} gesturename ${literal(',"word_index":')} [0-9] [0-9]? "}"`,
      `gesturename ::= ${choice(contract.gestures)}`,
    );
  }
  if (contract.actions.length === 0) rules.push('actions ::= ""');
  else rules.push('actions ::= (action ("," action)*)?', `action ::= ${choice(contract.actions)}`);
  return rules.join('\n');
}
