import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { synthesizeSpeech } from '../../../test-support/speech';
import type { PcmAudio } from '../../domain/audio';
import { AppError, BadInputError, ProviderError } from '../../errors';
import { PocketsphinxStt, parseOutput } from './pocketsphinx';
import { collectResults } from './testing/transcripts';

const transcribe = (stt: PocketsphinxStt, audio: PcmAudio, signal = new AbortController().signal) =>
  collectResults(stt.transcribe(audio, { signal }));

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('PocketsphinxStt', () => {
  const stt = new PocketsphinxStt();

  // pocketsphinx on espeak-ng's robot voice is rough; these phrases come back reliably (checked by hand).
  it('transcribes real synthetic speech', async () => {
    const results = await transcribe(stt, await synthesizeSpeech('how are you'));
    expect(results).toHaveLength(1);
    const [final] = results;
    expect(final!.isFinal).toBe(true);
    expect(final!.text).toMatch(/\bare you\b/);
    expect(final!.confidence).toBeGreaterThan(0);
    expect(final!.confidence).toBeLessThanOrEqual(1);
  });

  it('picks a number word out of a counted sequence', async () => {
    const [final] = await transcribe(stt, await synthesizeSpeech('one two three four five'));
    expect(final!.text.split(' ')).toContain('three');
  });

  it('returns an empty final transcript for silence', async () => {
    const [final] = await transcribe(stt, { samples: new Int16Array(16_000), sampleRate: 16_000 });
    expect(final).toEqual({ text: '', isFinal: true, confidence: 0, alternatives: [] });
  });

  it('rejects audio at another rate (the pipeline resamples first)', async () => {
    const audio = { samples: new Int16Array(8000), sampleRate: 8000 };
    await expect(transcribe(stt, audio)).rejects.toThrow(BadInputError);
  });

  it('kills the process when aborted and ends with the abort reason', async () => {
    // A wrapper that records the decoder's pid, so the test can see the process is gone.
    const dir = await mkdtemp(join(tmpdir(), 'ps-abort-'));
    const pidFile = join(dir, 'pid');
    const wrapper = join(dir, 'pocketsphinx.sh');
    await writeFile(wrapper, `#!/bin/sh\necho $$ > ${pidFile}\nexec pocketsphinx_continuous "$@"\n`);
    await chmod(wrapper, 0o755);
    // A long utterance so the decode is still running when the abort comes.
    const long = await synthesizeSpeech('the quick brown fox jumps over the lazy dog. '.repeat(8));
    const controller = new AbortController();
    const pending = transcribe(new PocketsphinxStt({ binary: wrapper }), long, controller.signal);
    await expect.poll(() => readFile(pidFile, 'utf8').catch(() => '')).toMatch(/\d+/);
    const pid = Number(await readFile(pidFile, 'utf8'));
    expect(isRunning(pid)).toBe(true);
    controller.abort(new Error('user barged in'));
    await expect(pending).rejects.toThrow('user barged in');
    await expect.poll(() => isRunning(pid)).toBe(false);
    await rm(dir, { recursive: true, force: true });
  });

  it('a missing binary is a retryable ProviderError (so failover tries the next provider)', async () => {
    const broken = new PocketsphinxStt({ binary: '/nonexistent/pocketsphinx_continuous' });
    const err = await transcribe(broken, { samples: new Int16Array(1600), sampleRate: 16_000 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
    expect((err as ProviderError).message).toMatch(/ENOENT/);
  });

  it('a missing model is a ProviderError naming the failure', async () => {
    const broken = new PocketsphinxStt({ modelDir: '/nonexistent/model' });
    const err = await transcribe(broken, { samples: new Int16Array(1600), sampleRate: 16_000 }).catch(
      (e) => e,
    );
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('PROVIDER_ERROR');
  });
});

describe('parseOutput', () => {
  it('takes the hypothesis and averages word posteriors, skipping fillers', () => {
    const stdout = [
      'three four',
      '<s> 0.000 0.020 1.000100',
      'three 0.46 0.66 0.5',
      '<sil> 0.7 0.8 0.9',
      'four 0.9 1.2 0.3',
      '</s> 1.3 1.6 1.0',
    ].join('\n');
    const result = parseOutput(stdout);
    expect(result.text).toBe('three four');
    expect(result.confidence).toBeCloseTo(0.4, 5);
  });
});
