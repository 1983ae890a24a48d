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
import { ESPEAK_VOICES, SPOKEN_QUESTIONS as QUESTIONS } from './spoken-questions';
import { percentile, round } from './support';

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
    utterances.push({
      text,
      audio: await synthesizeSpeech(text, 16_000, ESPEAK_VOICES[i % ESPEAK_VOICES.length]),
    });
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
