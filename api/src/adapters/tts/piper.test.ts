import { copyFile, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import { float32ToInt16, ResamplerPool } from '../audio/resampler';
import { DEFAULT_WAV2ARKIT_PATH } from '../blendshapes/wav2arkit-session';
import { words } from '../stt/testing/transcripts';
import { WhisperStt } from '../stt/whisper';
import { lookupPhoneme } from '../visemes/normalize';
import { DEFAULT_PIPER_VOICE_PATH, PiperTts } from './piper';
import type { TtsChunk } from './types';

async function speak(
  tts: PiperTts,
  text: string,
  signal = new AbortController().signal,
): Promise<TtsChunk[]> {
  const chunks: TtsChunk[] = [];
  for await (const chunk of tts.synthesize(text, { signal })) chunks.push(chunk);
  return chunks;
}

describe('PiperTts (en_US-joe-medium in onnxruntime-node)', () => {
  const whisper = new WhisperStt();
  afterAll(() => whisper.close());

  it('speaks a sentence Whisper understands, with phoneme and word timings that tile its audio', async () => {
    const tts = await PiperTts.create();
    const sentence = 'Hello, what is your name?';
    const [chunk, ...rest] = await speak(tts, sentence);
    expect(rest).toHaveLength(0);
    expect(chunk!.sampleRate).toBe(22_050);
    expect(chunk!.phonemeAlphabet).toBe('ipa');
    const durationMs = (chunk!.samples.length * 1000) / chunk!.sampleRate;

    // Real speech: Whisper hears the words (resampled to its 16 kHz).
    const resampler = await new ResamplerPool().acquire(22_050, 16_000);
    const pcm16k = float32ToInt16(
      Float32Array.from([...resampler.push(chunk!.samples), ...resampler.flush()]),
    );
    let heard = '';
    for await (const result of whisper.transcribe(
      { samples: pcm16k, sampleRate: 16_000 },
      { signal: new AbortController().signal },
    )) {
      heard = result.text;
    }
    expect(words(heard)).toEqual(words(sentence));

    // Exact timings from the model's durations: ordered, inside the audio, every phoneme a known mouth shape.
    const phonemes = chunk!.phonemes!;
    expect(phonemes.map((p) => p.phoneme).join('')).toContain('neɪm');
    for (const [i, p] of phonemes.entries()) {
      expect(p.endMs).toBeGreaterThan(p.startMs);
      expect(p.endMs).toBeLessThanOrEqual(durationMs + 0.01);
      if (i > 0) expect(p.startMs).toBeGreaterThanOrEqual(phonemes[i - 1]!.endMs - 0.01);
    }
    for (const p of phonemes) expect(lookupPhoneme(p.phoneme, 'ipa'), p.phoneme).not.toBeNull();
    expect(chunk!.words!.map((w) => [w.index, w.word])).toEqual([
      [0, 'Hello'],
      [1, 'what'],
      [2, 'is'],
      [3, 'your'],
      [4, 'name'],
    ]);
    // The comma's pause lies between "Hello" and "what".
    expect(chunk!.words![1]!.startMs - chunk!.words![0]!.endMs).toBeGreaterThan(50);
  });

  it('speaks text that looks like a command-line option as text', async () => {
    const tts = await PiperTts.create();
    const [chunk] = await speak(tts, '--help me, please.');
    expect(chunk!.phonemes!.map((p) => p.phoneme).join('')).toContain('hɛlp');
  });

  it('stops when the answer is interrupted', async () => {
    const tts = await PiperTts.create();
    const bargeIn = new AbortController();
    bargeIn.abort(new Error('barge-in'));
    await expect(speak(tts, 'Never said.', bargeIn.signal)).rejects.toThrow('barge-in');
  });

  it('fails at start-up, naming the path, for a missing voice, a corrupt one, or one without durations', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'piper-test-'));
    const missing = path.join(dir, 'missing.onnx');
    await expect(PiperTts.create(missing)).rejects.toThrow(missing);
    const corrupt = path.join(dir, 'corrupt.onnx');
    await writeFile(corrupt, 'not a model');
    await copyFile(`${DEFAULT_PIPER_VOICE_PATH}.json`, `${corrupt}.json`);
    await expect(PiperTts.create(corrupt)).rejects.toThrow(corrupt);
    // An ONNX model that is not a timed Piper voice.
    const untimed = path.join(dir, 'untimed.onnx');
    await copyFile(DEFAULT_WAV2ARKIT_PATH, untimed);
    await copyFile(`${DEFAULT_PIPER_VOICE_PATH}.json`, `${untimed}.json`);
    const error = await PiperTts.create(untimed).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toMatch(/durations output.*piper-add-durations/);
  });
});
