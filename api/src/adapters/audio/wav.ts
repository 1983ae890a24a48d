import wavefile from 'wavefile';
import type { PcmAudio } from '../../domain/audio';
import { AppError } from '../../errors';

/** Mono 16-bit WAV bytes for providers that take a file rather than raw PCM. */
export function encodeWav(audio: PcmAudio): Uint8Array {
  const wav = new wavefile.WaveFile();
  wav.fromScratch(1, audio.sampleRate, '16', audio.samples);
  return wav.toBuffer();
}

/** Reads a mono 16-bit PCM WAV (what espeak-ng and most tools write). */
export function decodeWav(bytes: Uint8Array): PcmAudio {
  let wav: InstanceType<typeof wavefile.WaveFile>;
  try {
    wav = new wavefile.WaveFile(bytes);
  } catch (cause) {
    throw new AppError('BAD_INPUT', 'Not a readable WAV file', { cause });
  }
  const fmt = wav.fmt as { numChannels: number; sampleRate: number };
  if (fmt.numChannels !== 1 || wav.bitDepth !== '16') {
    throw new AppError(
      'BAD_INPUT',
      `Expected mono 16-bit WAV, got ${fmt.numChannels} channels at ${wav.bitDepth} bits`,
    );
  }
  return { samples: wav.getSamples(false, Int16Array) as unknown as Int16Array, sampleRate: fmt.sampleRate };
}
