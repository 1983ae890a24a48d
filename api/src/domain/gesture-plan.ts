import type { WordTiming } from './audio';
import type { GesturePayload } from './session-events';

/** One gesture of an answer's plan, validated: the model names a gesture and, optionally, where and how. */
export interface PlannedGesture {
  gesture: string;
  /** 0-based index of the word in the answer's text where the gesture starts. */
  wordIndex?: number;
  /** The word itself, when the model named it instead of its index. */
  atWord?: string;
  durationMs?: number;
  intensity?: number;
}

export interface GesturePlanInput {
  responseId: string;
  plan: readonly PlannedGesture[];
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
 * The model's `gesture_plan` (snake_case, as the answer contract names its fields), validated once. Lenient on
 * purpose: a bad field costs that field, an entry that is not an object with a gesture name costs that entry,
 * never the answer.
 */
export function parseGesturePlan(raw: unknown): { plan: PlannedGesture[]; warnings: string[] } {
  if (raw === undefined || raw === null) return { plan: [], warnings: [] };
  if (!Array.isArray(raw)) return { plan: [], warnings: ['gesture_plan is not a list; ignored'] };
  const plan: PlannedGesture[] = [];
  const warnings: string[] = [];
  raw.forEach((item, position) => {
    const parsed = asPlannedGesture(item);
    if (parsed) plan.push(parsed);
    else warnings.push(`gesture_plan[${position}] has no gesture name; dropped`);
  });
  return { plan, warnings };
}

function asPlannedGesture(raw: unknown): PlannedGesture | null {
  if (raw === null || typeof raw !== 'object') return null;
  const record = raw as Record<string, unknown>;
  if (typeof record.gesture !== 'string' || !record.gesture.trim()) return null;
  const number = (value: unknown) => (typeof value === 'number' ? value : undefined);
  const gesture: PlannedGesture = { gesture: record.gesture.trim() };
  const wordIndex = number(record.word_index);
  if (wordIndex !== undefined && Number.isInteger(wordIndex) && wordIndex >= 0) gesture.wordIndex = wordIndex;
  if (typeof record.at_word === 'string') gesture.atWord = record.at_word;
  const durationMs = number(record.duration_ms);
  if (durationMs !== undefined && Number.isFinite(durationMs) && durationMs > 0)
    gesture.durationMs = durationMs;
  const intensity = number(record.intensity);
  if (intensity !== undefined && Number.isFinite(intensity))
    gesture.intensity = Math.min(1, Math.max(0, intensity));
  return gesture;
}

/**
 * Turns a validated gesture plan and emotion into timed gestures anchored to the spoken words: a gesture naming
 * a word (`wordIndex`, else `atWord`) starts on it; one naming none spans the whole sentence (e.g. smile).
 * Unknown gestures and unmatched anchors produce warnings, never exceptions.
 */
export function planGestures(input: GesturePlanInput): { gestures: GesturePayload[]; warnings: string[] } {
  const warnings: string[] = [];
  const library = new Set(input.library);
  const sentenceMs = speechLength(input);
  const gestures: GesturePayload[] = [];

  for (const item of input.plan) {
    if (!library.has(item.gesture)) {
      warnings.push(`gesture "${item.gesture}" is not in the persona's gesture library; dropped`);
      continue;
    }
    const anchor = findAnchor(item, input.words, warnings);
    const startMs = anchor?.startMs ?? 0;
    const requested = item.durationMs;
    const durationMs = Math.max(
      MIN_GESTURE_MS,
      requested ?? (anchor ? DEFAULT_GESTURE_MS : Math.max(sentenceMs - startMs, DEFAULT_GESTURE_MS)),
    );
    gestures.push({
      responseId: input.responseId,
      gesture: item.gesture,
      startMs,
      durationMs,
      intensity: item.intensity ?? DEFAULT_INTENSITY,
      wordIndex: anchor?.index ?? null,
    });
  }

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

const bare = (word: string) => word.toLowerCase().replace(/[^\p{L}\p{N}']/gu, '');

function findAnchor(item: PlannedGesture, words: readonly WordTiming[], warnings: string[]) {
  if (item.wordIndex !== undefined) {
    const byIndex = words.find((w) => w.index === item.wordIndex);
    if (byIndex) return byIndex;
    warnings.push(
      `gesture "${item.gesture}" names word ${item.wordIndex}, which is not spoken; starts with the sentence`,
    );
  }
  if (item.atWord !== undefined) {
    const wanted = bare(item.atWord);
    const byText = words.find((w) => bare(w.word) === wanted);
    if (byText) return byText;
    warnings.push(
      `gesture "${item.gesture}" names the word "${item.atWord}", which is not spoken; starts with the sentence`,
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
