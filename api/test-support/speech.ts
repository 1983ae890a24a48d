import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { concatFloat32, float32ToInt16, StreamingResampler } from '../src/adapters/audio/resampler';
import { decodeWav } from '../src/adapters/audio/wav';
import type { PcmAudio } from '../src/domain/audio';

const run = promisify(execFile);

/** espeak-ng's own output rate: ask for it to get the audio untouched. */
export const ESPEAK_NATIVE_RATE = 22_050;

/**
 * Real synthetic speech for tests and benchmarks: espeak-ng speaks `text` (in `voice`, else its default voice;
 * 22.05 kHz), resampled to `sampleRate`.
 */
export async function synthesizeSpeech(text: string, sampleRate = 16_000, voice?: string): Promise<PcmAudio> {
  const dir = await mkdtemp(join(tmpdir(), 'espeak-'));
  try {
    const file = join(dir, 'speech.wav');
    await run('espeak-ng', [...(voice ? ['-v', voice] : []), '-w', file, text]);
    const spoken = decodeWav(await readFile(file));
    if (spoken.sampleRate === sampleRate) return spoken;
    const resampler = await StreamingResampler.create({
      inputRate: spoken.sampleRate,
      outputRate: sampleRate,
    });
    try {
      const samples = concatFloat32([resampler.push(spoken.samples), resampler.flush()]);
      return { samples: float32ToInt16(samples), sampleRate };
    } finally {
      resampler.destroy();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** `ms` of silence at `sampleRate`, to pad speech the way a real microphone stream would. */
export function silence(ms: number, sampleRate = 16_000): Int16Array {
  return new Int16Array(Math.round((ms * sampleRate) / 1000));
}
