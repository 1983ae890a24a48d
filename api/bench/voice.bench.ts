/**
 * Spoken questions answered by the whole local stack, through the sockets as a client: questions spoken by three
 * espeak-ng voices and, when installed, the Piper voice, sent as a 48 kHz microphone streams them (real time, 20 ms frames) into the audio socket, the
 * answer read from a graphql-ws subscription; end of speech → first SpeechChunk is timed on the client.
 *
 * Three nodes take the same questions in turn, in the same run:
 * - `local`: the embedded default: Silero VAD with the early end of turn, Whisper tiny.en, SmolLM2-135M
 *   in-process with the grammar-enforced contract, espeak-ng with the face;
 * - `local_with_partials`: the same with partial transcripts every 500 ms of speech, to show what they cost;
 * - `local_rules`: the same with the rule-based responder instead of the model, to show what the model costs;
 * - `previous`: the stack before this wave: pocketsphinx, the rule-based responder, the full silence wait.
 */
import { runVoiceClient } from '../examples/voice-client';
import { concatFloat32, float32ToInt16, ResamplerPool } from '../src/adapters/audio/resampler';
import { wordErrors } from '../src/adapters/stt/testing/transcripts';
import { PiperTts } from '../src/adapters/tts/piper';
import type { PcmAudio } from '../src/domain/audio';
import { ESPEAK_VOICES, SPOKEN_QUESTIONS as QUESTIONS } from './spoken-questions';
import { percentile, round, startBenchApp } from './support';

/** espeak-ng voices, and every fourth question in the Piper voice when it is installed. */
const VOICES = [...ESPEAK_VOICES, 'piper'];
const MICROPHONE_RATE = 48_000;

/** The question in the Piper voice, as a 48 kHz microphone would hear it; null when the voice is not installed. */
async function piperSpeaker(): Promise<((text: string) => Promise<PcmAudio>) | null> {
  const piper = await PiperTts.create().catch(() => null);
  if (!piper) return null;
  const resamplers = new ResamplerPool();
  return async (text) => {
    const parts: Float32Array[] = [];
    const resampler = await resamplers.acquire(22_050, MICROPHONE_RATE);
    for await (const chunk of piper.synthesize(text, { signal: new AbortController().signal })) {
      parts.push(resampler.push(chunk.samples));
    }
    parts.push(resampler.flush());
    resamplers.release(resampler);
    return { samples: float32ToInt16(concatFloat32(parts)), sampleRate: MICROPHONE_RATE };
  };
}

const STACKS = {
  local: { LLM_PROVIDERS: 'llama,local' },
  // What partial transcripts cost: a partial still decoding when the user pauses delays the pause's transcript.
  local_with_partials: { LLM_PROVIDERS: 'llama,local', STT_PARTIAL_INTERVAL_MS: '500' },
  local_rules: { LLM_PROVIDERS: 'local' },
  previous: { STT_PROVIDERS: 'local', LLM_PROVIDERS: 'local', END_OF_TURN_PAUSE_MS: '0' },
} as const;
type Stack = keyof typeof STACKS;

interface Measured {
  /** End of speech → first SpeechChunk, ms, per answered question. */
  firstAudio: number[];
  errors: number;
  words: number;
  /** Assistant turns with a contract verdict, and those that kept it. */
  answers: number;
  kept: number;
  /** Questions transcribed to no words, so not answered. */
  unanswered: number;
  slowest: string;
}

export async function benchVoice(): Promise<Record<string, number | string>> {
  const names = Object.keys(STACKS) as Stack[];
  const piper = await piperSpeaker();
  const voices = piper ? VOICES : VOICES.filter((v) => v !== 'piper');
  const nodes = await Promise.all(names.map((name) => startBenchApp({ env: STACKS[name], providers: {} })));
  const measured = Object.fromEntries(
    names.map((name): [Stack, Measured] => [
      name,
      { firstAudio: [], errors: 0, words: 0, answers: 0, kept: 0, unanswered: 0, slowest: '' },
    ]),
  ) as Record<Stack, Measured>;
  try {
    for (const [i, question] of QUESTIONS.entries()) {
      const voice = voices[i % voices.length] as string;
      const speech = voice === 'piper' && piper ? await piper(question) : undefined;
      for (const [n, name] of names.entries()) {
        const { timeline, turns } = await runVoiceClient({
          url: nodes[n]!.url,
          username: 'admin',
          password: 'pw',
          question,
          voice,
          sampleRate: MICROPHONE_RATE,
          speech,
        }).catch((err: unknown) => {
          throw new Error(
            `${name}, "${question}" (${voice}): ${err instanceof Error ? err.message : String(err)}`,
          );
        });
        const chunk = timeline.find((e) => e.event.__typename === 'SpeechChunk');
        const stack = measured[name];
        const heard = timeline.find((e) => e.event.__typename === 'TranscriptFinal')?.event;
        const counted = wordErrors(question, heard?.__typename === 'TranscriptFinal' ? heard.text : '');
        stack.errors += counted.errors;
        stack.words += counted.words;
        // Heard as no words, so never answered: a miss in accuracy, no latency to time.
        if (!chunk) {
          stack.unanswered++;
          continue;
        }
        if (chunk.atMs > Math.max(...stack.firstAudio)) stack.slowest = `${chunk.atMs} ms: "${question}"`;
        stack.firstAudio.push(chunk.atMs);
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
    'voice.questions': `${QUESTIONS.length}, in turn by ${voices.map((v) => (v === 'piper' ? 'Piper en_US-joe-medium' : `espeak-ng ${v}`)).join(', ')}${piper ? '' : ' (the Piper voice is not installed)'}`,
    'voice.path': `audio socket at ${MICROPHONE_RATE / 1000} kHz in real time -> resampler -> VAD -> STT -> LLM -> espeak-ng + face -> graphql-ws`,
  };
  for (const name of names) {
    const stack = measured[name];
    results[`voice.${name}.word_accuracy_pct`] = round((1 - stack.errors / stack.words) * 100);
    results[`voice.${name}.end_of_speech_to_first_chunk_p50_ms`] = round(percentile(stack.firstAudio, 50));
    results[`voice.${name}.end_of_speech_to_first_chunk_p95_ms`] = round(percentile(stack.firstAudio, 95));
    results[`voice.${name}.slowest`] = stack.slowest;
    if (stack.unanswered > 0) results[`voice.${name}.unanswered`] = `${stack.unanswered} (heard as no words)`;
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
