import { EnergyBaselineAnimator } from '../src/adapters/blendshapes/energy-baseline';
import type { BlendshapeAnimator } from '../src/adapters/blendshapes/types';
import { Wav2ArkitAnimator } from '../src/adapters/blendshapes/wav2arkit';
import { createWav2ArkitSession } from '../src/adapters/blendshapes/wav2arkit-session';
import { synthesizeSpeech } from '../test-support/speech';

const SAMPLE_RATE = 24000;
const CHUNK_MS = 200;
const RUNS = 5;

/** ~20 s of real espeak-ng speech at 24 kHz (the rate of e.g. OpenAI TTS PCM). */
async function speech(): Promise<Float32Array> {
  const parts = await Promise.all(
    [
      'Hello! I am your avatar, and I can move my lips while I speak to you.',
      'Please bring the big blue map, five violins and a bowl of warm soup.',
      'The quick brown fox jumps over the lazy dog, then sleeps beside the fire.',
    ].map((text) => synthesizeSpeech(text, SAMPLE_RATE, 'en-us')),
  );
  return Float32Array.from(parts.flatMap((p) => Array.from(p.samples, (s) => s / 32768)));
}

/** CPU milliseconds (user + system, this process) per second of audio, median of RUNS, streaming in 200 ms chunks. */
async function cpuMsPerAudioSecond(animator: BlendshapeAnimator, audio: Float32Array): Promise<number> {
  const chunk = (SAMPLE_RATE * CHUNK_MS) / 1000;
  const seconds = audio.length / SAMPLE_RATE;
  const runs: number[] = [];
  for (let run = 0; run < RUNS + 1; run++) {
    const stream = animator.createStream(SAMPLE_RATE);
    const before = process.cpuUsage();
    for (let i = 0; i < audio.length; i += chunk) await stream.push(audio.subarray(i, i + chunk));
    await stream.flush();
    const used = process.cpuUsage(before);
    if (run > 0) runs.push((used.user + used.system) / 1000 / seconds); // run 0 warms up JIT and WASM
  }
  return runs.sort((a, b) => a - b)[Math.floor(runs.length / 2)]!;
}

/**
 * Single-thread CPU cost of wav2arkit versus the energy/spectral-band baseline in the same run (both include
 * resampling and log-mel), and the memory one model session adds. Target: <= 10 ms per second of audio.
 */
export async function benchWav2Arkit(): Promise<Record<string, number | string>> {
  const audio = await speech();
  const baseline = await cpuMsPerAudioSecond(new EnergyBaselineAnimator(), audio);
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  const session = await createWav2ArkitSession();
  const model = await cpuMsPerAudioSecond(new Wav2ArkitAnimator(session), audio);
  const rssAfter = process.memoryUsage().rss;
  return {
    'wav2arkit.audioSeconds': Number((audio.length / SAMPLE_RATE).toFixed(2)),
    'wav2arkit.cpuMsPerAudioSecond': Number(model.toFixed(2)),
    'wav2arkit.realtimeFactor': Math.round(1000 / model),
    'energyBaseline.cpuMsPerAudioSecond': Number(baseline.toFixed(2)),
    'wav2arkit.costVsBaseline': `${(model / baseline).toFixed(2)}x`,
    'wav2arkit.target': '<= 10 ms per audio second (>= 100x real time), one thread',
    'wav2arkit.sessionRssMb': Number(((rssAfter - rssBefore) / 2 ** 20).toFixed(1)),
    'process.peakRssMb': Number((process.resourceUsage().maxRSS / 1024).toFixed(1)),
  };
}
