import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** What a response's events need: real espeak-ng speech, its phonemes, visemes and 30 fps blendshape frames. */
export interface SpokenResponse {
  sampleRate: number;
  pcm: Int16Array;
  phonemes: { phoneme: string; startMs: number; endMs: number }[];
  visemes: { viseme: string; startMs: number; endMs: number; weight: number }[];
  frames: { index: number; sampleStart: number; sampleEnd: number; weights: number[] }[];
}

const JAW_OPEN = 17;
const MOUTH_CLOSE = 18;
const MOUTH_FUNNEL = 19;
const SMILE_LEFT = 23;
const SMILE_RIGHT = 24;

function visemeFor(phoneme: string): string {
  if (/^[pbm]/.test(phoneme)) return 'PP';
  if (/^[fv]/.test(phoneme)) return 'FF';
  if (/^[oOuUw]/.test(phoneme)) return 'O';
  if (/^[aA@V]/.test(phoneme)) return 'aa';
  if (/^[eEiI]/.test(phoneme)) return 'E';
  if (/^[sz]/.test(phoneme)) return 'SS';
  return 'DD';
}

/**
 * Speaks `text` with espeak-ng and derives timings the way the pipeline would shape them: espeak's phoneme
 * string spread over the audio (the CLI gives no timings), visemes from the phonemes, and blendshape frames
 * whose jaw follows the real audio energy.
 */
export async function speak(text: string): Promise<SpokenResponse> {
  const { stdout: wav } = await run('espeak-ng', ['--stdout', text], {
    encoding: 'buffer',
    maxBuffer: 1 << 24,
  });
  const sampleRate = wav.readUInt32LE(24);
  const dataAt = wav.indexOf('data', 12) + 8;
  const pcm = new Int16Array(
    wav.buffer.slice(wav.byteOffset + dataAt, wav.byteOffset + wav.length - ((wav.length - dataAt) % 2)),
  );
  const { stdout: phonemeText } = await run('espeak-ng', ['-q', '-x', text]);
  const symbols =
    phonemeText
      .replace(/[ˈˌ'",#_:-]/g, '')
      .split(/\s+/)
      .join('')
      .match(/[a-zA-Z@]/g) ?? [];
  const durationMs = (pcm.length / sampleRate) * 1000;
  const step = durationMs / Math.max(1, symbols.length);
  const phonemes = symbols.map((phoneme, i) => ({ phoneme, startMs: i * step, endMs: (i + 1) * step }));
  const visemes = phonemes.map((p) => ({
    viseme: visemeFor(p.phoneme),
    startMs: p.startMs,
    endMs: p.endMs,
    weight: 0.8,
  }));
  const frames: SpokenResponse['frames'] = [];
  for (let index = 0; Math.round((index * sampleRate) / 30) < pcm.length; index++) {
    const sampleStart = Math.round((index * sampleRate) / 30);
    const sampleEnd = Math.min(pcm.length, Math.round(((index + 1) * sampleRate) / 30));
    let energy = 0;
    for (let i = sampleStart; i < sampleEnd; i++) energy += ((pcm[i] ?? 0) / 32768) ** 2;
    const rms = Math.sqrt(energy / Math.max(1, sampleEnd - sampleStart));
    const viseme = visemes.find(
      (v) => v.startMs <= (sampleStart / sampleRate) * 1000 && (sampleStart / sampleRate) * 1000 < v.endMs,
    );
    const weights = new Array<number>(52).fill(0);
    weights[JAW_OPEN] = Math.min(1, rms * 5);
    weights[MOUTH_CLOSE] = viseme?.viseme === 'PP' ? 0.7 : 0;
    weights[MOUTH_FUNNEL] = viseme?.viseme === 'O' ? 0.6 : 0;
    weights[SMILE_LEFT] = weights[SMILE_RIGHT] = viseme?.viseme === 'E' ? 0.4 : 0.1;
    frames.push({ index, sampleStart, sampleEnd, weights });
  }
  return { sampleRate, pcm, phonemes, visemes, frames };
}
