import { afterAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../../test-support/harness';
import { synthesizeSpeech } from '../../../test-support/speech';
import type { PcmAudio } from '../../domain/audio';
import { BadInputError, ProviderError } from '../../errors';
import { collectResults, words } from './testing/transcripts';
import { WhisperStt } from './whisper';

const transcribe = (stt: WhisperStt, audio: PcmAudio, signal = new AbortController().signal) =>
  collectResults(stt.transcribe(audio, { signal }));

describe('WhisperStt (a Whisper tiny.en helper process)', () => {
  const stt = new WhisperStt();
  const helpers: WhisperStt[] = [stt];
  afterAll(() => Promise.all(helpers.map((h) => h.close())));

  it('transcribes plain spoken questions word for word, where pocketsphinx garbles them', async () => {
    await stt.start();
    const question = 'Hello, what is your name? Where is the museum?';
    const [final] = await transcribe(stt, await synthesizeSpeech(question));
    expect(final).toMatchObject({ isFinal: true });
    expect(words(final!.text)).toEqual(words(question));
    expect(final!.confidence).toBeGreaterThan(0.5);
    expect(final!.confidence).toBeLessThanOrEqual(1);
  });

  it('gives partials only when idle: a finished utterance never waits behind one', async () => {
    const signal = new AbortController().signal;
    const speech = await synthesizeSpeech('How are you today?');
    const partial = await stt.partial(speech, { signal });
    expect(partial).toMatchObject({ isFinal: false });
    expect(words(partial!.text)).toEqual(['how', 'are', 'you', 'today']);
    // A final is decoding: the partial is skipped rather than queued behind it.
    const final = transcribe(stt, speech);
    expect(await stt.partial(speech, { signal })).toBeNull();
    await final;
    // Beyond one 30 s window, or in a language not installed, there is no partial either.
    expect(
      await stt.partial({ samples: new Int16Array(16_000 * 31), sampleRate: 16_000 }, { signal }),
    ).toBeNull();
    expect(await stt.partial(speech, { signal, language: 'de' })).toBeNull();
  });

  it('refuses audio at another rate, and an utterance of ten minutes, with BAD_INPUT', async () => {
    const at8k = { samples: new Int16Array(8000), sampleRate: 8000 };
    await expect(transcribe(stt, at8k)).rejects.toBeInstanceOf(BadInputError);
    const tenMinutes = { samples: new Int16Array(16_000 * 600), sampleRate: 16_000 };
    await expect(transcribe(stt, tenMinutes)).rejects.toBeInstanceOf(BadInputError);
  });

  it('drops the answer of an utterance its caller abandoned, and answers the next one correctly', async () => {
    const controller = new AbortController();
    const abandoned = transcribe(stt, await synthesizeSpeech('This one is cut off.'), controller.signal);
    const next = transcribe(stt, await synthesizeSpeech('How are you today?'));
    controller.abort(new Error('barge-in'));
    await expect(abandoned).rejects.toThrow('barge-in');
    expect(words((await next)[0]!.text)).toEqual(['how', 'are', 'you', 'today']);
  });

  it('fails the utterance of a helper that dies with a retryable error, and restarts for the next', async () => {
    const helper = new WhisperStt();
    helpers.push(helper);
    await helper.start();
    const running = transcribe(
      helper,
      await synthesizeSpeech('A long sentence that will never be finished.'),
    );
    process.kill(helper.pid!, 'SIGKILL');
    const err = await running.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).retryable).toBe(true);
    const [again] = await transcribe(helper, await synthesizeSpeech('Good morning.'));
    expect(words(again!.text)).toEqual(['good', 'morning']);
  });

  it('refuses utterances beyond its queue with a retryable error, so the chain falls back', async () => {
    const helper = new WhisperStt({ maxQueued: 1 });
    helpers.push(helper);
    await helper.start();
    const speech = await synthesizeSpeech('Queue me.');
    const [first, second, third] = [0, 1, 2].map(() => transcribe(helper, speech));
    const refused = await third!.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ProviderError);
    expect((refused as ProviderError).retryable).toBe(true);
    expect((refused as ProviderError).message).toMatch(/busy/);
    await Promise.all([first, second]);
  });

  it('fails at start, naming the path, when the model or the Python is missing', async () => {
    const noModel = new WhisperStt({ modelDir: '/nonexistent/whisper-model' });
    const noPython = new WhisperStt({ python: '/nonexistent/bin/python' });
    helpers.push(noModel, noPython);
    await expect(noModel.start()).rejects.toThrow('/nonexistent/whisper-model');
    await expect(noPython.start()).rejects.toThrow('/nonexistent/bin/python');
    // The app with such a model does not start: the first turn would have failed otherwise.
    await expect(startTestApp({ env: { WHISPER_MODEL_DIR: '/nonexistent/whisper-model' } })).rejects.toThrow(
      '/nonexistent/whisper-model',
    );
  });
});
