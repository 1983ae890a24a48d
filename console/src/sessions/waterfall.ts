/**
 * A turn's latency waterfall from its stored timings: each mark is the ms from the end of the user's turn to
 * where a stage ended, so each stage runs from the previous mark to its own. Marks a turn lacks (a typed turn
 * has no speech to transcribe, a text-only answer no audio) leave their stage out.
 */
export interface WaterfallStage {
  key: string;
  label: string;
  startMs: number;
  endMs: number;
}

/** In pipeline order: the mark that ends each stage. */
export const WATERFALL_STAGES: readonly { mark: string; key: string; label: string }[] = [
  { mark: 'sttMs', key: 'stt', label: 'Speech to text' },
  { mark: 'promptMs', key: 'prompt', label: 'Memories and prompt' },
  { mark: 'llmFirstTokenMs', key: 'llm', label: 'Model, first token' },
  { mark: 'firstAudioMs', key: 'tts', label: 'First sentence spoken (moderation, TTS, face)' },
  { mark: 'totalMs', key: 'rest', label: 'Rest of the answer' },
];

export function waterfallStages(timings: unknown): WaterfallStage[] {
  if (typeof timings !== 'object' || timings === null) return [];
  const marks = timings as Record<string, unknown>;
  const stages: WaterfallStage[] = [];
  let from = 0;
  for (const { mark, key, label } of WATERFALL_STAGES) {
    const at = marks[mark];
    if (typeof at !== 'number' || !Number.isFinite(at) || at < from) continue;
    stages.push({ key, label, startMs: from, endMs: at });
    from = at;
  }
  return stages;
}

/** Round tick spacing (whole ms) for an axis of `totalMs`: about five ticks. */
export function tickStep(totalMs: number): number {
  const raw = Math.max(totalMs, 5) / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * magnitude).find((s) => s >= raw);
  return step ?? 10 * magnitude;
}
