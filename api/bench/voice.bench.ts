/**
 * Spoken questions answered by the whole local stack, through the sockets as a client: espeak-ng questions in
 * three voices, sent as a 48 kHz microphone streams them (real time, 20 ms frames) into the audio socket, the
 * answer read from a graphql-ws subscription; end of speech → first SpeechChunk is timed on the client.
 *
 * Three nodes take the same questions in turn, in the same run:
 * - `local`: the embedded default: Silero VAD with the early end of turn, Whisper tiny.en, SmolLM2-135M
 *   in-process with the grammar-enforced contract, espeak-ng with the face;
 * - `local_rules`: the same with the rule-based responder instead of the model, to show what the model costs;
 * - `previous`: the stack before this wave: pocketsphinx, the rule-based responder, the full silence wait.
 */
import { runVoiceClient } from '../examples/voice-client';
import { wordErrors } from '../src/adapters/stt/testing/transcripts';
import { percentile, round, startBenchApp } from './support';

const QUESTIONS = [
  'Hello, what is your name?',
  'When does the museum open?',
  'Where are the impressionist paintings?',
  'How much is a ticket for a child?',
  'Can I take photos inside?',
  'Is there a cafe on the second floor?',
  'What is the most famous painting here?',
  'Tell me about the artist.',
  'How long does the tour take?',
  'Where can I leave my coat?',
  'Do you have an audio guide in French?',
  'What time does the shop close?',
  'Is the museum open on Mondays?',
  'Can you recommend a short route?',
  'Who painted the water lilies?',
  'Where is the nearest exit?',
  'Are dogs allowed in the garden?',
  'How old is this building?',
  'Thank you, that was very helpful.',
  'Goodbye, see you next time.',
];
const VOICES = ['en-us', 'en-gb', 'en-us+f3'];
const MICROPHONE_RATE = 48_000;

const STACKS = {
  local: { LLM_PROVIDERS: 'llama,local' },
  local_rules: { LLM_PROVIDERS: 'local' },
  previous: { STT_PROVIDERS: 'local', LLM_PROVIDERS: 'local', END_OF_TURN_PAUSE_MS: '0' },
} as const;
type Stack = keyof typeof STACKS;

export async function benchVoice(): Promise<Record<string, number | string>> {
  const names = Object.keys(STACKS) as Stack[];
  const nodes = await Promise.all(names.map((name) => startBenchApp({ env: STACKS[name], providers: {} })));
  const measured = Object.fromEntries(
    names.map((name) => [
      name,
      { firstAudio: [] as number[], errors: 0, words: 0, answers: 0, kept: 0, slowest: '' },
    ]),
  ) as Record<
    Stack,
    { firstAudio: number[]; errors: number; words: number; answers: number; kept: number; slowest: string }
  >;
  try {
    for (const [i, question] of QUESTIONS.entries()) {
      for (const [n, name] of names.entries()) {
        const { timeline, turns } = await runVoiceClient({
          url: nodes[n]!.url,
          username: 'admin',
          password: 'pw',
          question,
          voice: VOICES[i % VOICES.length],
          sampleRate: MICROPHONE_RATE,
        });
        const chunk = timeline.find((e) => e.event.__typename === 'SpeechChunk');
        if (!chunk) throw new Error(`${name}: no speech for "${question}"`);
        const stack = measured[name];
        if (chunk.atMs > Math.max(...stack.firstAudio)) stack.slowest = `${chunk.atMs} ms: "${question}"`;
        stack.firstAudio.push(chunk.atMs);
        const heard = timeline.find((e) => e.event.__typename === 'TranscriptFinal')?.event;
        const counted = wordErrors(question, heard?.__typename === 'TranscriptFinal' ? heard.text : '');
        stack.errors += counted.errors;
        stack.words += counted.words;
        for (const turn of turns) {
          if (turn.contractKept === null) continue;
          stack.answers++;
          if (turn.contractKept) stack.kept++;
        }
      }
    }
  } finally {
    await Promise.all(nodes.map((node) => node.stop()));
  }
  const results: Record<string, number | string> = {
    'voice.questions': `${QUESTIONS.length} (espeak-ng ${VOICES.join(', ')}; no Piper voice: not installed here)`,
    'voice.path': `audio socket at ${MICROPHONE_RATE / 1000} kHz in real time -> resampler -> VAD -> STT -> LLM -> espeak-ng + face -> graphql-ws`,
  };
  for (const name of names) {
    const stack = measured[name];
    results[`voice.${name}.word_accuracy_pct`] = round((1 - stack.errors / stack.words) * 100);
    results[`voice.${name}.end_of_speech_to_first_chunk_p50_ms`] = round(percentile(stack.firstAudio, 50));
    results[`voice.${name}.end_of_speech_to_first_chunk_p95_ms`] = round(percentile(stack.firstAudio, 95));
    results[`voice.${name}.slowest`] = stack.slowest;
  }
  const { local, previous } = measured;
  results['voice.local.contract_kept_without_repair'] = `${local.kept}/${local.answers}`;
  results['voice.local_vs_previous_p50_ratio'] = round(
    percentile(local.firstAudio, 50) / percentile(previous.firstAudio, 50),
  );
  results['voice.local_vs_previous_p95_ratio'] = round(
    percentile(local.firstAudio, 95) / percentile(previous.firstAudio, 95),
  );
  results['voice.targets'] = 'word accuracy >= 90 %, p50 <= 900 ms, p95 <= 1300 ms, contract kept 100 %';
  return results;
}
