import { describe, expect, it } from 'vitest';
import { ResamplerPool } from '../adapters/audio/resampler';
import type { SttResult } from '../adapters/stt/types';
import { FakeVad } from '../adapters/vad/testing/fake';
import type { PcmAudio } from '../domain/audio';
import { looksFinished, MicrophoneInput } from './microphone-input';
import type { TurnOrigin } from './ports';

const WINDOW = 512; // 32 ms at 16 kHz
/** The fake VAD hears speech in any window with a loud sample. */
const vad = () => new FakeVad({ probabilities: (_i, w) => (w.some((x) => Math.abs(x) > 0.1) ? 0.9 : 0.05) });
const speech = (windows: number) => new Int16Array(windows * WINDOW).fill(8000);
const silence = (windows: number) => new Int16Array(windows * WINDOW);

function setup(
  opts: {
    maxUtteranceMs?: number;
    endOfTurnSilenceMs?: number;
    pauseMs?: number;
    finishedSilenceMs?: number;
    preview?: (audio: PcmAudio, signal: AbortSignal) => Promise<SttResult | null>;
    partialIntervalMs?: number;
    partial?: (audio: PcmAudio, utteranceId: string, signal: AbortSignal) => Promise<void>;
  } = {},
) {
  const utterances: { audio: PcmAudio; utteranceId: string; origin: TurnOrigin }[] = [];
  const client: string[] = [];
  const calls: string[] = [];
  const warnings: string[] = [];
  const input = new MicrophoneInput({
    conversation: {
      userUtterance: (audio, utteranceId, origin) => utterances.push({ audio, utteranceId, origin }),
      previewTranscript: opts.preview,
      partialTranscript: opts.partial,
      userSpeechStarted: () => calls.push('speechStarted'),
      interrupt: () => calls.push('interrupt'),
    },
    vad: vad(),
    resamplers: new ResamplerPool(),
    client: {
      speechStarted: (e) => client.push(`started ${e.utteranceId}`) > 0,
      speechEnded: (e) => client.push(`ended ${e.utteranceId} ${e.endOfTurn}`) > 0,
      sessionEnded: () => true,
      reconnect: () => true,
    },
    endOfTurnSilenceMs: opts.endOfTurnSilenceMs ?? 320,
    pauseMs: opts.pauseMs,
    partialIntervalMs: opts.partialIntervalMs,
    finishedSilenceMs: opts.finishedSilenceMs,
    preRollMs: 128,
    maxUtteranceMs: opts.maxUtteranceMs,
    onWarning: (message) => warnings.push(message),
  });
  return { input, utterances, client, calls, warnings };
}

describe('MicrophoneInput', () => {
  it('hands a finished utterance over with its pre-roll, announcing start and end under its id', async () => {
    const { input, utterances, client, calls } = setup();
    await input.start('u1', 16_000);
    await input.audio(silence(10));
    await input.audio(speech(10));
    await input.audio(silence(12));
    expect(client).toEqual(['started u1', 'ended u1 true']);
    expect(calls).toEqual(['speechStarted']);
    expect(utterances).toHaveLength(1);
    const [utterance] = utterances;
    expect(utterance!.utteranceId).toBe('u1');
    expect(utterance!.audio.sampleRate).toBe(16_000);
    // All of the speech: the 128 ms pre-roll (4 windows) counts back from where speech was confirmed, 3 windows
    // in, so one window of silence comes before it; then the silence until the turn ended (10 windows).
    const samples = utterance!.audio.samples;
    expect(samples.length).toBe((1 + 10 + 10) * WINDOW);
    expect(samples.filter((s) => s !== 0).length).toBe(10 * WINDOW);
    expect(samples.slice(WINDOW, 11 * WINDOW).every((s) => s !== 0)).toBe(true);
  });

  it('answers at once, without a promise, for a chunk that completes no VAD window', async () => {
    const { input, client } = setup();
    await input.start('u1', 48_000);
    // 20 ms at 48 kHz is 320 samples at 16 kHz: the first chunk fills no 512-sample window, the second does.
    expect(input.audio(new Int16Array(960).fill(8000))).toBeUndefined();
    const second = input.audio(new Int16Array(960).fill(8000));
    expect(second).toBeInstanceOf(Promise);
    await second;
    for (let i = 0; i < 8; i++) await input.audio(new Int16Array(960).fill(8000));
    expect(client).toEqual(['started u1']);
  });

  it('numbers the later utterances of one stream after its id', async () => {
    const { input, utterances, client } = setup();
    await input.start('u1', 16_000);
    for (let i = 0; i < 3; i++) {
      await input.audio(speech(5));
      await input.audio(silence(12));
    }
    expect(utterances.map((u) => u.utteranceId)).toEqual(['u1', 'u1.2', 'u1.3']);
    expect(client.filter((m) => m.startsWith('started'))).toEqual([
      'started u1',
      'started u1.2',
      'started u1.3',
    ]);
  });

  it('bounds a long utterance to its newest audio and says how much was dropped', async () => {
    const { input, utterances, warnings } = setup({ maxUtteranceMs: 640 });
    await input.start('u1', 16_000);
    await input.audio(speech(40));
    await input.audio(silence(12));
    expect(utterances[0]!.audio.samples.length).toBe(20 * WINDOW);
    expect(warnings).toEqual([
      expect.stringMatching(/longer than 640 ms: its first \d+ VAD windows were dropped/),
    ]);
  });

  it('answers an explicit end of turn even when its VAD heard no speech', async () => {
    const { input, utterances, client } = setup();
    await input.start('u1', 16_000);
    await input.audio(silence(3));
    input.endTurn();
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.audio.samples.length).toBe(3 * WINDOW);
    expect(client).toEqual([]);
  });

  it("ends the turn early on the client's vad hint once its own VAD hears silence, not during speech", async () => {
    const { input, utterances, client } = setup({ endOfTurnSilenceMs: 2000 });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    input.vadHint(false);
    expect(utterances).toEqual([]);
    input.vadHint(true);
    await input.audio(silence(2));
    input.vadHint(false);
    expect(utterances.map((u) => u.utteranceId)).toEqual(['u1']);
    expect(client).toEqual(['started u1', 'ended u1 true']);
  });

  it('passes interruptions on, and a new stream abandons the utterance in progress', async () => {
    const { input, utterances, calls } = setup();
    await input.start('u1', 16_000);
    input.interrupt();
    await input.audio(speech(10));
    await input.start('u2', 16_000);
    await input.audio(silence(12));
    expect(utterances).toEqual([]);
    expect(calls).toEqual(['interrupt', 'speechStarted']);
    input.close();
    // After close, audio goes nowhere.
    await input.audio(speech(10));
    expect(calls).toEqual(['interrupt', 'speechStarted']);
  });
});

describe('MicrophoneInput ending a turn early', () => {
  const transcript = (text: string): SttResult => ({
    text,
    isFinal: true,
    confidence: 0.9,
    alternatives: [],
  });

  it('ends the turn at a pause when what was said reads as finished, carrying its transcript', async () => {
    const asked: number[] = [];
    const { input, utterances, client } = setup({
      endOfTurnSilenceMs: 640,
      pauseMs: 128,
      preview: async (audio) => {
        asked.push(audio.samples.length);
        return transcript('How are you?');
      },
    });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    await input.audio(silence(4));
    await new Promise((resolve) => setImmediate(resolve));
    // 128 ms of silence, not 640: the turn ended at the pause.
    expect(client).toEqual(['started u1', 'ended u1 true']);
    expect(asked).toHaveLength(1);
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.origin.endOfTurn).toMatchObject({ reason: 'complete' });
    expect(await utterances[0]!.origin.transcript).toMatchObject({ text: 'How are you?' });
  });

  it('ends a finished-looking turn only once the silence outlasts a pause at a comma', async () => {
    const { input, utterances } = setup({
      endOfTurnSilenceMs: 640,
      pauseMs: 128,
      finishedSilenceMs: 256,
      preview: async () => transcript('Thank you.'),
    });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    await input.audio(silence(5));
    await new Promise((resolve) => setImmediate(resolve));
    // 160 ms of silence: a comma's pause; the user may go on ("Thank you, that was helpful").
    expect(utterances).toHaveLength(0);
    await input.audio(silence(3));
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.origin.endOfTurn).toMatchObject({ reason: 'complete' });
  });

  it('waits the full silence when what was said is unfinished, and still uses its transcript', async () => {
    const { input, utterances } = setup({
      endOfTurnSilenceMs: 320,
      pauseMs: 128,
      preview: async () => transcript('and then we'),
    });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    await input.audio(silence(4));
    await new Promise((resolve) => setImmediate(resolve));
    expect(utterances).toHaveLength(0);
    await input.audio(silence(8));
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.origin.endOfTurn).toMatchObject({ reason: 'silence' });
    expect(await utterances[0]!.origin.transcript).toMatchObject({ text: 'and then we' });
  });

  it('hands over a transcript still being taken when the full silence comes first', async () => {
    let answer: (result: SttResult) => void = () => undefined;
    const { input, utterances } = setup({
      endOfTurnSilenceMs: 320,
      pauseMs: 128,
      preview: () =>
        new Promise((resolve) => {
          answer = resolve;
        }),
    });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    await input.audio(silence(12));
    expect(utterances).toHaveLength(1);
    // The runtime waits for it rather than transcribing the utterance a second time.
    answer(transcript('Where is the exit?'));
    expect(await utterances[0]!.origin.transcript).toMatchObject({ text: 'Where is the exit?' });
  });

  it('drops the transcript taken at a pause when the user goes on talking', async () => {
    const signals: AbortSignal[] = [];
    let answer: (result: SttResult) => void = () => undefined;
    const { input, utterances } = setup({
      endOfTurnSilenceMs: 320,
      pauseMs: 128,
      preview: (_audio, signal) => {
        signals.push(signal);
        return new Promise((resolve) => {
          answer = resolve;
        });
      },
    });
    await input.start('u1', 16_000);
    await input.audio(speech(10));
    await input.audio(silence(4));
    await input.audio(speech(5));
    expect(signals[0]?.aborted).toBe(true);
    // Its late answer ends nothing, and the utterance is transcribed whole at its end.
    answer(transcript('How are you?'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(utterances).toHaveLength(0);
    await input.audio(silence(3));
    answer(transcript('How are you? Fine.'));
    await input.audio(silence(8));
    expect(utterances).toHaveLength(1);
    expect(utterances[0]!.origin.endOfTurn?.reason).toBe('silence');
  });

  it('asks for a partial transcript every interval of speech, one at a time, and drops it when speech ends', async () => {
    const asked: { ms: number; utteranceId: string; signal: AbortSignal }[] = [];
    let answer: (() => void) | undefined;
    const { input } = setup({
      partialIntervalMs: 320,
      pauseMs: 128,
      preview: async () => null,
      partial: (audio, utteranceId, signal) => {
        asked.push({ ms: (audio.samples.length / 16_000) * 1000, utteranceId, signal });
        return new Promise<void>((resolve) => {
          answer = resolve;
        });
      },
    });
    await input.start('u1', 16_000);
    await input.audio(speech(12));
    // 320 ms of speech after it started: the first partial, with all that was said so far.
    expect(asked).toHaveLength(1);
    expect(asked[0]!.utteranceId).toBe('u1');
    // Still decoding: no second request, however long the user speaks.
    await input.audio(speech(20));
    expect(asked).toHaveLength(1);
    answer?.();
    await new Promise((resolve) => setImmediate(resolve));
    await input.audio(speech(1));
    expect(asked).toHaveLength(2);
    expect(asked[1]!.ms).toBeGreaterThan(asked[0]!.ms);
    // A pause asks for no partial (the pause's own transcript is taken), and the end of speech drops the one in flight.
    await input.audio(silence(6));
    expect(asked).toHaveLength(2);
    await input.audio(silence(10));
    expect(asked[1]!.signal.aborted).toBe(true);
  });

  it('reads sentences and questions as finished, trailing words as not', () => {
    for (const text of ['How are you?', 'Tell me a story.', 'Stop!', 'He said "go."'])
      expect(looksFinished(text)).toBe(true);
    for (const text of ['and then', 'I would like', '...', '', 'what about'])
      expect(looksFinished(text)).toBe(false);
  });
});
