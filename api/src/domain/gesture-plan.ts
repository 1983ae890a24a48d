import type { WordTiming } from './audio';
import type { GesturePayload } from './session-events';

/** One entry of the LLM's `gesture_plan`, as the model writes it (snake_case, every field but `gesture` optional). */
export interface GesturePlanItem {
  gesture: string;
  word_index?: number;
  at_word?: string;
  duration_ms?: number;
  intensity?: number;
}

export interface GesturePlanInput {
  responseId: string;
  /** The raw `gesture_plan` value from the LLM: validated here, never trusted. */
  plan: unknown;
  emotion?: string | null;
  /** Word timings relative to the start of the response's audio. */
  words: readonly WordTiming[];
  /** The persona's gesture library; anything else is dropped. */
  library: readonly string[];
  /** Length of the response's audio when known; otherwise the end of the last word. */
  speechDurationMs?: number;
}

export const DEFAULT_GESTURE_MS = 800;
export const DEFAULT_INTENSITY = 0.7;
const MIN_GESTURE_MS = 100;
/** Intensity of the sentence-long gesture that expresses the response's emotion. */
const EMOTION_INTENSITY = 0.5;

/** Emotions the LLM may name, and the library gesture that shows each for the whole sentence. */
export const EMOTION_GESTURES: Readonly<Record<string, string>> = {
  happy: 'smile',
  joy: 'smile',
  amused: 'smile',
  friendly: 'smile',
  surprised: 'eyebrow_raise',
  curious: 'eyebrow_raise',
  thinking: 'think',
  thoughtful: 'think',
  unsure: 'shrug',
  confused: 'shrug',
};

/**
 * Turns a gesture plan and emotion into timed gestures anchored to the spoken words: a gesture naming a word
 * (`word_index`, else `at_word`) starts on it; one naming none spans the whole sentence (e.g. smile). Unknown
 * gestures, bad fields and unmatched anchors produce warnings, never exceptions.
 */
export function planGestures(input: GesturePlanInput): { gestures: GesturePayload[]; warnings: string[] } {
  const warnings: string[] = [];
  const library = new Set(input.library);
  const sentenceMs = speechLength(input);
  const gestures: GesturePayload[] = [];
  const items = Array.isArray(input.plan) ? input.plan : [];
  if (!Array.isArray(input.plan) && input.plan !== undefined && input.plan !== null) {
    warnings.push('gesture_plan is not a list; ignored');
  }

  items.forEach((raw, position) => {
    const item = asItem(raw);
    if (!item) {
      warnings.push(`gesture_plan[${position}] has no gesture name; dropped`);
      return;
    }
    if (!library.has(item.gesture)) {
      warnings.push(`gesture "${item.gesture}" is not in the persona's gesture library; dropped`);
      return;
    }
    const anchor = findAnchor(item, input.words, warnings);
    const startMs = anchor?.startMs ?? 0;
    const requested = positiveOrUndefined(item.duration_ms);
    const durationMs = Math.max(
      MIN_GESTURE_MS,
      requested ?? (anchor ? DEFAULT_GESTURE_MS : Math.max(sentenceMs - startMs, DEFAULT_GESTURE_MS)),
    );
    gestures.push({
      responseId: input.responseId,
      gesture: item.gesture,
      startMs,
      durationMs,
      intensity: clampIntensity(item.intensity, DEFAULT_INTENSITY),
      wordIndex: anchor?.index ?? null,
    });
  });

  const emotionGesture = input.emotion ? EMOTION_GESTURES[input.emotion.toLowerCase()] : undefined;
  const alreadySentenceLong = gestures.some((g) => g.gesture === emotionGesture && g.wordIndex === null);
  if (emotionGesture && library.has(emotionGesture) && !alreadySentenceLong) {
    gestures.push({
      responseId: input.responseId,
      gesture: emotionGesture,
      startMs: 0,
      durationMs: Math.max(MIN_GESTURE_MS, sentenceMs),
      intensity: EMOTION_INTENSITY,
      wordIndex: null,
    });
  }
  return { gestures: gestures.sort((a, b) => a.startMs - b.startMs), warnings };
}

function asItem(raw: unknown): GesturePlanItem | null {
  if (typeof raw === 'string' && raw.trim()) return { gesture: raw.trim() };
  if (raw === null || typeof raw !== 'object') return null;
  const record = raw as Record<string, unknown>;
  if (typeof record.gesture !== 'string' || !record.gesture.trim()) return null;
  return {
    gesture: record.gesture.trim(),
    word_index: typeof record.word_index === 'number' ? record.word_index : undefined,
    at_word: typeof record.at_word === 'string' ? record.at_word : undefined,
    duration_ms: typeof record.duration_ms === 'number' ? record.duration_ms : undefined,
    intensity: typeof record.intensity === 'number' ? record.intensity : undefined,
  };
}

const bare = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');

function findAnchor(item: GesturePlanItem, words: readonly WordTiming[], warnings: string[]) {
  if (item.word_index !== undefined) {
    const byIndex = words.find((w) => w.index === item.word_index);
    if (byIndex) return byIndex;
    warnings.push(
      `gesture "${item.gesture}" names word ${item.word_index}, which is not spoken; starts with the sentence`,
    );
  }
  if (item.at_word !== undefined) {
    const wanted = bare(item.at_word);
    const byText = words.find((w) => bare(w.word) === wanted);
    if (byText) return byText;
    warnings.push(
      `gesture "${item.gesture}" names the word "${item.at_word}", which is not spoken; starts with the sentence`,
    );
  }
  return null;
}

function speechLength(input: GesturePlanInput): number {
  if (input.speechDurationMs !== undefined && Number.isFinite(input.speechDurationMs)) {
    return Math.max(0, input.speechDurationMs);
  }
  return input.words.reduce((end, w) => (Number.isFinite(w.endMs) ? Math.max(end, w.endMs) : end), 0);
}

function positiveOrUndefined(value: number | undefined): number | undefined {
  return value !== undefined && Number.isFinite(value) && value > 0 ? value : undefined;
}

function clampIntensity(value: number | undefined, fallback: number): number {
  return value !== undefined && Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : fallback;
}
