/**
 * Our own overhead in the voice pipeline, with zero-latency fakes for STT, LLM and TTS: the time from the
 * end of the user's speech (`userUtterance` called) to the first `SpeechChunk` emitted. Everything
 * measured is ours: stage queues, parsing, prompt building, moderation hop, history and event plumbing.
 * A second run uses the embedded local responder (the offline default) instead of the fake LLM. With the fake
 * LLM, tracing on (OpenTelemetry spans batched to a local OTLP/HTTP receiver) and off alternate in blocks, and
 * the ratio of their medians is the tracing overhead.
 */
import { LocalResponderLlm } from '../src/adapters/llm/local-responder';
import { FakeLlm } from '../src/adapters/llm/testing/fake';
import type { LLMAdapter } from '../src/adapters/llm/types';
import { FakeStt } from '../src/adapters/stt/testing/fake';
import { FakeTts } from '../src/adapters/tts/testing/fake';
import { InMemoryConversationHistory } from '../src/db/conversation-history';
import { PlatformTracing } from '../src/observability/tracing';
import type { TurnTracer } from '../src/realtime/ports';
import { SessionRuntime } from '../src/realtime/session-runtime';
import { startOtlpReceiver } from '../test-support/otlp-receiver';
import { percentile, round } from './support';

const TURNS = 200;
const WARMUP_TURNS = 20;

const persona = {
  id: 'bench-persona',
  name: 'Ada',
  systemPrompt: 'You are a friendly museum guide. Keep answers short.',
  gestureLibrary: ['nod', 'wave', 'smile'],
  defaultEmotion: 'neutral',
};

const ANSWER = JSON.stringify({
  text: 'The museum opens at nine in the morning. The impressionist wing is on the second floor, next to the cafe.',
  gesture_plan: [{ gesture: 'nod', word_index: 2, duration_ms: 600 }],
  emotion: 'happy',
  actions: [],
});

async function firstSpeechLatencies(llm: LLMAdapter, tracer?: TurnTracer, turns = TURNS): Promise<number[]> {
  let utteranceAt = 0;
  let firstSpeechAt: number | null = null;
  const runtime = new SessionRuntime(
    { sessionId: 'bench', userId: 'bench-user', persona },
    {
      stt: new FakeStt({ transcript: 'when does the museum open and where are the impressionists' }),
      llm,
      tts: new FakeTts({ script: { msPerChar: 60, chunkMs: 200, latencyMs: 0, interChunkDelayMs: 0 } }),
      moderator: { moderate: async ({ text }) => ({ allowed: true, text }), attachTurn: async () => {} },
      memory: { recallTexts: async () => ['The user visited last spring', 'The user likes Monet'] },
      history: new InMemoryConversationHistory(),
      turns: { save: async () => ({ id: 'turn' }), truncate: async () => {} },
      tracer,
      events: {
        emit: (_sessionId, payload) => {
          if (payload.type === 'SpeechChunk' && firstSpeechAt === null) firstSpeechAt = performance.now();
        },
      },
    },
  );
  const audio = { samples: new Int16Array(16_000), sampleRate: 16_000 };
  const latencies: number[] = [];
  for (let turn = 0; turn < WARMUP_TURNS + turns; turn++) {
    firstSpeechAt = null;
    utteranceAt = performance.now();
    runtime.userUtterance(audio);
    await runtime.whenIdle();
    if (firstSpeechAt === null) throw new Error(`turn ${turn} produced no speech`);
    if (turn >= WARMUP_TURNS) latencies.push(firstSpeechAt - utteranceAt);
  }
  await runtime.close();
  return latencies;
}

export async function benchPipeline(): Promise<Record<string, number | string>> {
  const results: Record<string, number | string> = { 'pipeline.turns': TURNS };
  const runs: [string, LLMAdapter][] = [
    ['fake_llm', new FakeLlm({ content: ANSWER })],
    ['local_responder', new LocalResponderLlm()],
  ];
  for (const [name, llm] of runs) {
    const latencies = await firstSpeechLatencies(llm);
    results[`pipeline.${name}.first_speech_p50_ms`] = round(percentile(latencies, 50));
    results[`pipeline.${name}.first_speech_p95_ms`] = round(percentile(latencies, 95));
  }
  Object.assign(results, await tracingOverhead());
  return results;
}

/** Tracing off and on, alternating blocks of turns so drift on a noisy machine hits both alike. */
async function tracingOverhead(): Promise<Record<string, number>> {
  const BLOCKS = 4;
  const llm = new FakeLlm({ content: ANSWER });
  // Once a tracer exists, the process keeps a global async context manager (for Temporal's interceptors): the
  // "off" blocks below pay for it too, so the process before any tracer is measured first, as well.
  const untraced = await firstSpeechLatencies(llm, undefined, TURNS / BLOCKS);
  const receiver = await startOtlpReceiver();
  const tracing = PlatformTracing.create({ serviceName: 'bench', otlpEndpoint: receiver.url })!;
  const off: number[] = [];
  const on: number[] = [];
  try {
    for (let block = 0; block < BLOCKS; block++) {
      off.push(...(await firstSpeechLatencies(llm, undefined, TURNS / BLOCKS)));
      on.push(...(await firstSpeechLatencies(llm, tracing, TURNS / BLOCKS)));
    }
  } finally {
    await tracing.shutdown();
    await receiver.close();
  }
  const p50 = (values: number[]) => percentile(values, 50);
  return {
    'pipeline.no_tracer_yet.first_speech_p50_ms': round(p50(untraced)),
    'pipeline.tracing_off.first_speech_p50_ms': round(p50(off)),
    'pipeline.tracing_on.first_speech_p50_ms': round(p50(on)),
    'pipeline.tracing_on_vs_off_p50_ratio': round(p50(on) / p50(off)),
    'pipeline.tracing_spans_received': receiver.spans.length,
    'pipeline.tracing_target_ratio': 1.05,
  };
}
