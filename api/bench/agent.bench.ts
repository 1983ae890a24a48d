/**
 * Agent mode against the cascade, through the sockets as a client: spoken questions streamed as a 48 kHz
 * microphone does (real time, 20 ms frames) into the audio socket, end of speech → first SpeechChunk timed on
 * the client from the graphql-ws subscription. Three nodes (sign-ins are limited per node), each with one persona,
 * taking the same questions in turn:
 * - `cascade` (the baseline): Silero VAD with the early end of turn, Whisper tiny.en, the rule-based responder,
 *   espeak-ng with the face;
 * - `agent_ours`: our turn detection, the utterance sent to an OpenAI Realtime agent, its audio through the face;
 * - `agent_provider`: the audio streamed to the agent, whose server VAD ends the turn (the fake's: 500 ms of quiet).
 *
 * The agent is the local protocol-faithful fake (api/test-support/fake-agent-servers.ts) answering at once with
 * speech made beforehand: the agent figures are this platform's own overhead (resampling, the agent socket, the
 * renderer with the face model, delivery), not a real provider's latency, which adds to them.
 */
import { runVoiceClient } from '../examples/voice-client';
import { startFakeRealtime } from '../test-support/fake-agent-servers';
import { CreatePersonaMutation } from '../test-support/operations';
import { SPOKEN_QUESTIONS } from './spoken-questions';
import { percentile, round, startBenchApp } from './support';

const QUESTIONS = SPOKEN_QUESTIONS.slice(0, 8);
const ANSWER = 'The museum opens at nine in the morning, every day but Monday.';
const MICROPHONE_RATE = 48_000;
const PERSONAS = {
  cascade: {},
  agent_ours: { conversationMode: 'agent', turnDetection: 'ours' },
  agent_provider: { conversationMode: 'agent', turnDetection: 'provider' },
} as const;
type Mode = keyof typeof PERSONAS;

export async function benchAgent(): Promise<Record<string, number | string>> {
  const fake = await startFakeRealtime({ turns: [{ answer: ANSWER, deltaDelayMs: 0 }] });
  const modes = Object.keys(PERSONAS) as Mode[];
  const nodes = await Promise.all(
    modes.map(() =>
      startBenchApp({ env: { LLM_PROVIDERS: 'local', OPENAI_REALTIME_URL: fake.url }, providers: {} }),
    ),
  );
  const firstAudio = Object.fromEntries(
    Object.keys(PERSONAS).map((mode) => [mode, [] as number[]]),
  ) as Record<Mode, number[]>;
  try {
    for (const [n, mode] of modes.entries()) {
      await nodes[n]!.gql(CreatePersonaMutation, {
        input: { name: mode, systemPrompt: 'You are a museum guide. Answer briefly.', ...PERSONAS[mode] },
      });
    }
    for (const question of QUESTIONS) {
      fake.setTurns([{ inputTranscript: question, answer: ANSWER, deltaDelayMs: 0 }]);
      for (const [n, mode] of modes.entries()) {
        const { timeline } = await runVoiceClient({
          url: nodes[n]!.url,
          username: 'admin',
          password: 'pw',
          persona: mode,
          question,
          sampleRate: MICROPHONE_RATE,
        });
        const chunk = timeline.find((e) => e.event.__typename === 'SpeechChunk');
        if (!chunk) throw new Error(`${mode}, "${question}": no speech`);
        firstAudio[mode].push(chunk.atMs);
      }
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
    await fake.close();
  }
  const results: Record<string, number | string> = {
    'agent.questions': `${QUESTIONS.length}, espeak-ng en-us, each to all three personas in turn`,
    'agent.path': `audio socket at ${MICROPHONE_RATE / 1000} kHz in real time -> resampler -> (VAD) -> agent socket -> face -> graphql-ws`,
    'agent.provider':
      'a local protocol-faithful OpenAI Realtime fake answering at once: our overhead only, not a real provider latency',
    'agent.agent_provider.turn_end':
      "the fake's energy VAD (500 ms of quiet) decides it, and can end inside the clip's quiet tail: not a real provider VAD's timing",
  };
  for (const mode of Object.keys(PERSONAS) as Mode[]) {
    results[`agent.${mode}.end_of_speech_to_first_chunk_p50_ms`] = round(percentile(firstAudio[mode], 50));
    results[`agent.${mode}.end_of_speech_to_first_chunk_p95_ms`] = round(percentile(firstAudio[mode], 95));
  }
  for (const mode of ['agent_ours', 'agent_provider'] as const) {
    results[`agent.${mode}_vs_cascade_p50_ratio`] = round(
      percentile(firstAudio[mode], 50) / percentile(firstAudio.cascade, 50),
    );
  }
  return results;
}
