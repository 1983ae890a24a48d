import { type PlannedGesture, parseGesturePlan } from '../domain/gesture-plan';

const TERMINATORS = new Set(['.', '!', '?', '…']);
/** Full-width terminators end a sentence without a following space. */
const CJK_TERMINATORS = new Set(['。', '！', '？']);
const CLOSERS = new Set(['"', "'", ')', ']', '»', '”', '’']);
const ABBREVIATIONS = new Set(['mr', 'mrs', 'ms', 'dr', 'prof', 'st', 'jr', 'sr', 'vs', 'etc', 'approx']);

/**
 * Cuts streamed text into sentences as soon as each one ends, so speech synthesis can start on the first
 * sentence while the model is still writing the rest. A terminator only counts once the next character is
 * known (whitespace after `.`, `!`, `?`), which keeps "3.5" and "e.g." whole.
 */
export class SentenceSplitter {
  private buffer = '';
  private scanFrom = 0;
  private taken = 0;
  private readonly maxChars: number;
  private readonly firstClauseWords: number;

  /**
   * @param opts.maxChars a sentence longer than this is cut at a pause (comma) or a space, to bound TTS latency.
   * @param opts.firstClauseWords the answer's first piece ends at its first comma, semicolon or colon once it has
   *   this many words (0: off): the voice starts on the opening clause instead of waiting for a long sentence.
   */
  constructor(opts: { maxChars?: number; firstClauseWords?: number } = {}) {
    this.maxChars = opts.maxChars ?? 240;
    this.firstClauseWords = opts.firstClauseWords ?? 0;
  }

  push(text: string): string[] {
    this.buffer += text;
    const sentences: string[] = [];
    let boundary = this.nextBoundary();
    while (boundary !== -1) {
      this.take(boundary, sentences);
      boundary = this.nextBoundary();
    }
    if (this.taken === 0 && this.firstClauseWords > 0) {
      const clause = this.firstClauseBoundary();
      if (clause !== -1) this.take(clause, sentences);
    }
    while (this.buffer.length > this.maxChars) this.take(this.softBoundary(), sentences);
    return sentences;
  }

  flush(): string[] {
    const sentences: string[] = [];
    this.take(this.buffer.length, sentences);
    return sentences;
  }

  private take(end: number, into: string[]): void {
    const sentence = this.buffer.slice(0, end).trim();
    this.buffer = this.buffer.slice(end);
    this.scanFrom = 0;
    if (!sentence) return;
    into.push(sentence);
    this.taken++;
  }

  /** Index just past the first clause pause (", ", "; ", ": ") that has enough words before it, or -1. */
  private firstClauseBoundary(): number {
    for (const match of this.buffer.matchAll(/[,;:](?=\s)/g)) {
      const words = this.buffer.slice(0, match.index).trim().split(/\s+/).length;
      if (words >= this.firstClauseWords) return match.index + 1;
    }
    return -1;
  }

  /** Index just past the first complete sentence in the buffer, or -1 when none is certain yet. */
  private nextBoundary(): number {
    const text = this.buffer;
    for (let i = this.scanFrom; i < text.length; i++) {
      const ch = text[i] as string;
      if (ch === '\n') return i + 1;
      if (CJK_TERMINATORS.has(ch)) return i + 1;
      if (!TERMINATORS.has(ch)) continue;
      let end = i + 1;
      while (end < text.length && (TERMINATORS.has(text[end] as string) || CLOSERS.has(text[end] as string)))
        end++;
      if (end >= text.length) {
        // Cannot tell yet whether "3." becomes "3.5": look again when more text arrives.
        this.scanFrom = i;
        return -1;
      }
      if (/\s/.test(text[end] as string) && !(ch === '.' && this.isAbbreviation(text, i))) return end;
      i = end - 1;
    }
    this.scanFrom = text.length;
    return -1;
  }

  private isAbbreviation(text: string, dotIndex: number): boolean {
    const word = /([\p{L}.]+)$/u.exec(text.slice(0, dotIndex))?.[1] ?? '';
    if (ABBREVIATIONS.has(word.toLowerCase())) return true;
    // A single capital is an initial ("J. Smith"); dotted letters are an abbreviation ("p.m.", "U.S.").
    return /^\p{Lu}$/u.test(word) || /^(\p{L}\.)+\p{L}$/u.test(word);
  }

  private softBoundary(): number {
    const window = this.buffer.slice(0, this.maxChars);
    const pause = Math.max(window.lastIndexOf(', '), window.lastIndexOf('; '), window.lastIndexOf(': '));
    if (pause > this.maxChars / 3) return pause + 2;
    const space = window.lastIndexOf(' ');
    return space > 0 ? space + 1 : this.maxChars;
  }
}

export interface AvatarResponse {
  text: string;
  gesturePlan: PlannedGesture[];
  emotion: string;
  actions: string[];
  /** `json`: the model kept the contract; `plain`: its output was spoken as plain text. */
  format: 'json' | 'plain';
  /** What of the answer had to be dropped or guessed (bad gesture entries). */
  warnings: string[];
}

export type ParserEvent = { type: 'sentence'; text: string; index: number };

/** Keys a model may use instead of `text` when it half-follows the contract. */
const TEXT_ALIASES = ['text', 'response', 'answer', 'reply', 'message', 'content'];

type Mode = 'undecided' | 'json' | 'plain';

/** Words an answer's opening clause needs before its comma may end the first piece of speech. */
const FIRST_CLAUSE_WORDS = 4;

/**
 * Incremental parser for the avatar answer contract
 * `{ "text": string, "gesture_plan": [...], "emotion": string, "actions": string[] }`.
 *
 * `push(chunk)` decodes the top-level "text" value while it is still streaming (escapes and `\u` sequences
 * decoded even when split across chunks, keys in any order) and returns each sentence as soon as it is
 * complete; `end()` returns the rest and a validated result with defaults. Output that is not JSON, or JSON
 * without a usable text, is treated as plain text. Nothing here throws on model output.
 */
export class AvatarResponseParser {
  private raw = '';
  private mode: Mode = 'undecided';
  // Speech starts on the opening clause of a long first sentence; what follows goes by whole sentences.
  private readonly splitter = new SentenceSplitter({ firstClauseWords: FIRST_CLAUSE_WORDS });
  private sentenceCount = 0;
  private streamedText = '';
  private pendingText = '';
  private textState: 'before' | 'streaming' | 'done' = 'before';

  // Structural scanner state (JSON mode), enough to find the top-level "text" value.
  private scanned = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private readingKey = false;
  private expectKey = false;
  private key = '';
  private lastKey = '';
  private valueFor: string | null = null;
  private escape: string | null = null;

  constructor(private readonly defaults: { emotion: string } = { emotion: 'neutral' }) {}

  push(chunk: string): ParserEvent[] {
    this.raw += chunk;
    const events: ParserEvent[] = [];
    if (this.mode === 'undecided') this.decideMode();
    if (this.mode === 'plain') {
      this.addText(this.raw.slice(this.scanned), events);
      this.scanned = this.raw.length;
    } else if (this.mode === 'json') this.scan(events);
    this.splitPending(events, false);
    return events;
  }

  end(): { events: ParserEvent[]; result: AvatarResponse } {
    const events: ParserEvent[] = [];
    const parsed = this.parseWhole();
    let text: string;
    if (this.textState !== 'before') {
      // What was streamed is what was spoken: keep the result consistent with it even if the JSON broke later.
      text = this.streamedText + this.pendingText;
    } else {
      text = parsed ? textFrom(parsed) : this.raw.replace(/^\s*```[a-z]*\s*|\s*```\s*$/gi, '');
      if (this.mode === 'plain') text = this.streamedText + this.pendingText;
      else this.addText(text, events);
    }
    this.splitPending(events, true);
    for (const sentence of this.splitter.flush())
      events.push({ type: 'sentence', text: sentence, index: this.sentenceCount++ });

    // Lenient on purpose: one bad field costs that field, never the whole answer.
    const gestures = parseGesturePlan(parsed?.gesture_plan);
    const emotion = typeof parsed?.emotion === 'string' ? parsed.emotion.trim() : '';
    const actions = Array.isArray(parsed?.actions) ? parsed.actions : [];
    return {
      events,
      result: {
        text: text.trim(),
        gesturePlan: gestures.plan,
        emotion: emotion || this.defaults.emotion,
        actions: actions.filter((a): a is string => typeof a === 'string'),
        format: parsed && this.mode === 'json' ? 'json' : 'plain',
        warnings: gestures.warnings,
      },
    };
  }

  /** JSON answers start with `{` (possibly inside a ```json fence); anything else is prose. */
  private decideMode(): void {
    const start = this.raw.length - this.raw.trimStart().length;
    const head = this.raw.slice(start);
    if (!head || '```'.startsWith(head)) return;
    if (head.startsWith('{')) {
      this.mode = 'json';
      this.scanned = start;
      return;
    }
    if (head.startsWith('```')) {
      const newline = head.indexOf('\n');
      const body = newline === -1 ? '' : head.slice(newline + 1);
      if (!body.trim()) return;
      const bodyStart = start + newline + 1 + (body.length - body.trimStart().length);
      this.mode = body.trimStart().startsWith('{') ? 'json' : 'plain';
      this.scanned = this.mode === 'json' ? bodyStart : start + newline + 1;
      return;
    }
    this.mode = 'plain';
    this.scanned = start;
  }

  private scan(events: ParserEvent[]): void {
    for (; this.scanned < this.raw.length; this.scanned++) {
      const ch = this.raw[this.scanned] as string;
      if (this.textState === 'streaming') {
        this.readTextChar(ch, events);
        continue;
      }
      if (this.inString) {
        if (this.escaped) this.escaped = false;
        else if (ch === '\\') this.escaped = true;
        else if (ch === '"') {
          this.inString = false;
          if (this.readingKey) this.lastKey = this.key;
          this.readingKey = false;
        }
        // Escaped characters in a key are kept raw: the keys we look for contain none.
        if (this.readingKey) this.key += ch;
        continue;
      }
      if (/\s/.test(ch)) continue;
      const valueFor = this.valueFor;
      this.valueFor = null;
      if (ch === '"') {
        this.inString = true;
        if (this.depth === 1 && this.expectKey) {
          this.readingKey = true;
          this.expectKey = false;
          this.key = '';
        } else if (valueFor === 'text' && this.textState === 'before') {
          this.inString = false;
          this.textState = 'streaming';
        }
      } else if (ch === ':' && this.depth === 1) {
        this.valueFor = this.lastKey;
      } else if (ch === ',' && this.depth === 1) {
        this.expectKey = true;
      } else if (ch === '{' || ch === '[') {
        this.depth++;
        if (this.depth === 1) this.expectKey = true;
      } else if (ch === '}' || ch === ']') {
        this.depth--;
      }
    }
  }

  /** Decodes one character of the "text" string value, including escapes split across chunks. */
  private readTextChar(ch: string, events: ParserEvent[]): void {
    if (this.escape === null) {
      if (ch === '\\') this.escape = '';
      else if (ch === '"') {
        this.textState = 'done';
        this.splitPending(events, true);
        for (const s of this.splitter.flush())
          events.push({ type: 'sentence', text: s, index: this.sentenceCount++ });
      } else this.pendingText += ch;
      return;
    }
    this.escape += ch;
    if (this.escape.startsWith('u')) {
      if (this.escape.length < 5) return;
      const code = Number.parseInt(this.escape.slice(1), 16);
      this.pendingText += Number.isNaN(code) ? '' : String.fromCharCode(code);
    } else {
      this.pendingText += SIMPLE_ESCAPES[ch] ?? ch;
    }
    this.escape = null;
  }

  private addText(text: string, events: ParserEvent[]): void {
    this.pendingText += text;
    this.splitPending(events, false);
  }

  /** Feeds the pending text to the sentence splitter, holding back a dangling high surrogate (half a character). */
  private splitPending(events: ParserEvent[], final: boolean): void {
    let delta = this.pendingText;
    const last = delta.charCodeAt(delta.length - 1);
    if (!final && last >= 0xd800 && last <= 0xdbff) delta = delta.slice(0, -1);
    if (!delta) return;
    this.pendingText = this.pendingText.slice(delta.length);
    this.streamedText += delta;
    for (const s of this.splitter.push(delta))
      events.push({ type: 'sentence', text: s, index: this.sentenceCount++ });
  }

  private parseWhole(): Record<string, unknown> | undefined {
    const start = this.raw.indexOf('{');
    const end = this.raw.lastIndexOf('}');
    if (start === -1 || end < start) return undefined;
    try {
      const value: unknown = JSON.parse(this.raw.slice(start, end + 1));
      return value && typeof value === 'object' && !Array.isArray(value)
        ? (value as Record<string, unknown>)
        : undefined;
    } catch {
      return undefined;
    }
  }
}

const SIMPLE_ESCAPES: Record<string, string> = { n: '\n', t: '\t', r: '\r', b: '\b', f: '\f' };

function textFrom(parsed: Record<string, unknown>): string {
  for (const key of TEXT_ALIASES) {
    const value = parsed[key];
    if (typeof value === 'string') return value;
  }
  return '';
}
