import { z } from 'zod';

/**
 * The avatar's answer contract: what every model answer must be, as data. The prompt describes it to the model,
 * a grammar-capable provider enforces it while decoding (adapters/llm/llama-cpp), and `answerSchema` checks it.
 */
export interface AnswerContract {
  /** Gestures the answer may plan: the persona's library. */
  gestures: readonly string[];
  /** Emotions the answer may name: the fixed set, plus the persona's default when that is outside it. */
  emotions: readonly string[];
  /** Most gestures one answer may plan. */
  maxGestures: number;
  /** Actions the application may receive; none means `actions` is always empty. */
  actions: readonly string[];
}

/** The emotions a model may name; the face and the emotion gestures (domain/gesture-plan) know each. */
export const AVATAR_EMOTIONS = [
  'neutral',
  'happy',
  'friendly',
  'amused',
  'surprised',
  'curious',
  'thinking',
  'unsure',
  'concerned',
  'sad',
] as const;

const MAX_GESTURES_PER_ANSWER = 3;

export function answerContract(persona: {
  gestureLibrary: readonly string[];
  defaultEmotion: string;
}): AnswerContract {
  const emotions: string[] = [...AVATAR_EMOTIONS];
  if (!emotions.includes(persona.defaultEmotion)) emotions.push(persona.defaultEmotion);
  return { gestures: persona.gestureLibrary, emotions, maxGestures: MAX_GESTURES_PER_ANSWER, actions: [] };
}

/** The contract as a strict schema: an answer that passes needed no repair. */
export function answerSchema(contract: AnswerContract) {
  const oneOf = (values: readonly string[]) =>
    z.string().refine((v) => values.includes(v), 'not allowed here');
  return z
    .object({
      text: z.string().trim().min(1),
      gesture_plan: z
        .array(
          z
            .object({
              gesture: oneOf(contract.gestures),
              word_index: z.number().int().min(0).optional(),
              at_word: z.string().optional(),
              duration_ms: z.number().positive().optional(),
              intensity: z.number().min(0).max(1).optional(),
            })
            .strict(),
        )
        .max(contract.maxGestures),
      emotion: oneOf(contract.emotions),
      actions: z.array(oneOf(contract.actions)),
    })
    .strict();
}
