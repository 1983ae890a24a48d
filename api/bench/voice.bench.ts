/**
 * End of speech → first audio with the whole local stack, through the sockets as a client: espeak-ng questions
 * streamed in real time into the audio socket (Silero VAD, Whisper tiny.en, the local responder, espeak-ng with the
 * face), the answer read from a graphql-ws subscription. The same questions go, alternately, to a node that ends a
 * turn early at a pause when its transcript reads as finished (END_OF_TURN_PAUSE_MS=250) and to one that waits the
 * full silence (0), in the same run. The local responder is a rule-based stand-in: no language model is timed.
 */
import { runVoiceClient } from '../examples/voice-client';
import { words } from '../src/adapters/stt/testing/transcripts';
import { percentile, round, startBenchApp } from './support';

const QUESTIONS = [
  'Hello, what is your name?',
  'When does the museum open?',
  'How much is a ticket for a child?',
  'Is there a cafe on the second floor?',
  'How long does the tour take?',
  'Where is the nearest exit?',
  'Can I take photos inside?',
  'Who painted the water lilies?',
  'What time does the shop close?',
  'Thank you, that was very helpful.',
];

export async function benchVoice(): Promise<Record<string, number | string>> {
  const nodes = {
    early: await startBenchApp({ env: { END_OF_TURN_PAUSE_MS: '250' }, providers: {} }),
    full_silence: await startBenchApp({ env: { END_OF_TURN_PAUSE_MS: '0' }, providers: {} }),
  };
  const firstAudio: Record<keyof typeof nodes, number[]> = { early: [], full_silence: [] };
  let exact = 0;
  try {
    for (const question of QUESTIONS) {
      for (const name of Object.keys(nodes) as (keyof typeof nodes)[]) {
        const { timeline } = await runVoiceClient({
          url: nodes[name].url,
          username: 'admin',
          password: 'pw',
          question,
        });
        const chunk = timeline.find((e) => e.event.__typename === 'SpeechChunk');
        if (!chunk) throw new Error(`${name}: no speech for "${question}"`);
        firstAudio[name].push(chunk.atMs);
        const heard = timeline.find((e) => e.event.__typename === 'TranscriptFinal')?.event;
        const text = heard?.__typename === 'TranscriptFinal' ? heard.text : '';
        if (name === 'early' && words(text).join(' ') === words(question).join(' ')) exact++;
      }
    }
  } finally {
    await Promise.all(Object.values(nodes).map((node) => node.stop()));
  }
  const results: Record<string, number | string> = {
    'voice.questions': QUESTIONS.length,
    'voice.path':
      'audio socket in real time -> VAD -> Whisper -> local responder (rules, no LLM) -> espeak + face',
    'voice.transcripts_exact': `${exact}/${QUESTIONS.length}`,
  };
  for (const [name, values] of Object.entries(firstAudio)) {
    results[`voice.${name}.end_of_speech_to_first_chunk_p50_ms`] = round(percentile(values, 50));
    results[`voice.${name}.end_of_speech_to_first_chunk_p95_ms`] = round(percentile(values, 95));
  }
  results['voice.early_vs_full_silence_p50_ratio'] = round(
    percentile(firstAudio.early, 50) / percentile(firstAudio.full_silence, 50),
  );
  results['voice.target_p50_ms'] = 900;
  return results;
}
