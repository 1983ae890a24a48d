/**
 * Local speech recognition: word accuracy and time per utterance of Whisper tiny.en (the helper process) against
 * pocketsphinx (the previous default) on the same spoken questions, in the same run. The questions are espeak-ng
 * speech in three voices; each engine is called directly with the finished utterance, so the audio socket, the VAD
 * and the silence wait are not part of these figures (`delivery` times that path).
 */
import { PocketsphinxStt } from '../src/adapters/stt/pocketsphinx';
import { wordErrors } from '../src/adapters/stt/testing/transcripts';
import type { STTAdapter } from '../src/adapters/stt/types';
import { WhisperStt } from '../src/adapters/stt/whisper';
import type { PcmAudio } from '../src/domain/audio';
import { synthesizeSpeech } from '../test-support/speech';
import { percentile, round } from './support';

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

async function measure(stt: STTAdapter, utterances: { text: string; audio: PcmAudio }[]) {
  let errors = 0;
  let total = 0;
  const latencies: number[] = [];
  for (const { text, audio } of utterances) {
    const started = performance.now();
    let heard = '';
    for await (const result of stt.transcribe(audio, { signal: new AbortController().signal }))
      heard = result.text;
    latencies.push(performance.now() - started);
    const counted = wordErrors(text, heard);
    errors += counted.errors;
    total += counted.words;
  }
  return { accuracy: 1 - errors / total, latencies };
}

export async function benchStt(): Promise<Record<string, number | string>> {
  const utterances = [];
  for (const [i, text] of QUESTIONS.entries()) {
    utterances.push({ text, audio: await synthesizeSpeech(text, 16_000, VOICES[i % VOICES.length]) });
  }
  const whisper = new WhisperStt();
  const loadStarted = performance.now();
  await whisper.start();
  const loadMs = performance.now() - loadStarted;
  try {
    const results: Record<string, number | string> = {
      'stt.utterances': utterances.length,
      'stt.path': 'engine called directly (no socket, VAD or silence wait)',
      'stt.whisper.helper_start_ms': round(loadMs),
    };
    for (const [name, stt] of [
      ['whisper', whisper],
      ['pocketsphinx', new PocketsphinxStt()],
    ] as const) {
      const { accuracy, latencies } = await measure(stt, utterances);
      results[`stt.${name}.word_accuracy`] = round(accuracy * 100);
      results[`stt.${name}.ms_per_utterance_p50`] = round(percentile(latencies, 50));
      results[`stt.${name}.ms_per_utterance_p95`] = round(percentile(latencies, 95));
    }
    results['stt.target_word_accuracy'] = 90;
    return results;
  } finally {
    await whisper.close();
  }
}
