import { execFileSync } from 'node:child_process';

/** Real speech from the installed espeak-ng (22.05 kHz PCM16 mono), for tests and benchmarks. */
export function speak(text: string, voice = 'en-us'): { samples: Int16Array; sampleRate: number } {
  const wav = execFileSync('espeak-ng', ['--stdout', '-v', voice, text]);
  // espeak-ng writes a canonical 44-byte RIFF header; its data size field is unset on stdout, so read to the end.
  const sampleRate = wav.readUInt32LE(24);
  const body = wav.subarray(44);
  const samples = new Int16Array(body.length >> 1);
  for (let i = 0; i < samples.length; i++) samples[i] = body.readInt16LE(2 * i);
  return { samples, sampleRate };
}
