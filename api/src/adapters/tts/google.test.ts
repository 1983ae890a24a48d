import { v1beta1 } from '@google-cloud/text-to-speech';
import { googleAuthLibrary, grpc } from 'google-gax';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeGoogleTts, startFakeGoogleTts } from '../../../test-support/fake-google-tts-server';
import { GoogleTts, languageOf, markedSsml, wordTimingsFromTimepoints } from './google';
import type { TtsChunk } from './types';

describe('Google TTS SSML marks', () => {
  it('puts a mark before every word and one after the last, keeping the text verbatim', () => {
    expect(markedSsml('Hello there, world!')).toBe(
      '<speak><mark name="w0"/>Hello <mark name="w1"/>there, <mark name="w2"/>world!<mark name="end"/></speak>',
    );
  });

  it('escapes characters that would break the SSML (an LLM can say anything)', () => {
    const ssml = markedSsml(`Tom & "Jerry" <b>'s</b>`);
    expect(ssml).toBe(
      '<speak><mark name="w0"/>Tom <mark name="w1"/>&amp; <mark name="w2"/>&quot;Jerry&quot; <mark name="w3"/>&lt;b&gt;&apos;s&lt;/b&gt;<mark name="end"/></speak>',
    );
    expect(ssml.replace(/<\/?(speak|mark)[^>]*>/g, '')).not.toMatch(/[<>]/);
  });

  it('keeps leading and trailing whitespace outside the marks', () => {
    expect(markedSsml('  Hi  ')).toBe('<speak>  <mark name="w0"/>Hi<mark name="end"/>  </speak>');
  });
});

describe('Google TTS word timings from time points', () => {
  const text = 'Hello there, world!';

  it('runs each word from its mark to the next, the last to the end mark', () => {
    const timepoints = [
      { markName: 'w0', timeSeconds: 0.05 },
      { markName: 'w1', timeSeconds: 0.4 },
      { markName: 'w2', timeSeconds: 0.9 },
      { markName: 'end', timeSeconds: 1.3 },
    ];
    expect(wordTimingsFromTimepoints(text, timepoints, 1_500)).toEqual([
      { word: 'Hello', index: 0, startMs: 50, endMs: 400 },
      { word: 'there', index: 1, startMs: 400, endMs: 900 },
      { word: 'world', index: 2, startMs: 900, endMs: 1_300 },
    ]);
  });

  it('skips words whose mark did not come back and ends the one before at the next mark that did', () => {
    const timepoints = [
      { markName: 'w0', timeSeconds: 0 },
      { markName: 'w2', timeSeconds: 0.9 },
    ];
    expect(wordTimingsFromTimepoints(text, timepoints, 1_500)).toEqual([
      { word: 'Hello', index: 0, startMs: 0, endMs: 900 },
      { word: 'world', index: 2, startMs: 900, endMs: 1_500 },
    ]);
  });

  it('ignores unknown and malformed time points and clamps to the audio', () => {
    const timepoints = [
      { markName: 'w0', timeSeconds: 0.1 },
      { markName: 'zz', timeSeconds: 0.2 },
      { markName: 'w1' },
      { timeSeconds: 3 },
    ];
    expect(wordTimingsFromTimepoints('Hi you', timepoints, 800)).toEqual([
      { word: 'Hi', index: 0, startMs: 100, endMs: 800 },
    ]);
  });

  it('takes the language code from the voice name', () => {
    expect(languageOf('en-US-Neural2-F')).toBe('en-US');
    expect(languageOf('cmn-CN-Wavenet-A')).toBe('cmn-CN');
  });
});

describe('GoogleTts (real SDK over gRPC against a local fake of the v1beta1 service)', () => {
  let fake: FakeGoogleTts;
  let tts: GoogleTts;
  beforeAll(async () => {
    fake = await startFakeGoogleTts();
    const client = new v1beta1.TextToSpeechClient({
      apiEndpoint: fake.host,
      port: fake.port,
      sslCreds: fake.credentials,
      projectId: 'fake-project',
      // Never asked for a token (sslCreds bypasses auth), but keeps the SDK from probing for GCE metadata.
      authClient: new googleAuthLibrary.OAuth2Client(),
    });
    tts = new GoogleTts({ voice: 'en-GB-Neural2-A', sampleRate: 16_000, client });
  });
  afterAll(async () => {
    await fake.close();
  });

  async function speak(text: string, signal = new AbortController().signal) {
    const chunks: TtsChunk[] = [];
    for await (const chunk of tts.synthesize(text, { signal })) chunks.push(chunk);
    return chunks;
  }

  it('sends marked SSML for LINEAR16 with SSML time pointing and returns samples plus word timings', async () => {
    fake.failWith(null);
    const chunks = await speak('Cheers, mate!');
    expect(fake.requests.at(-1)).toMatchObject({
      input: { ssml: '<speak><mark name="w0"/>Cheers, <mark name="w1"/>mate!<mark name="end"/></speak>' },
      voice: { name: 'en-GB-Neural2-A', languageCode: 'en-GB' },
      audioConfig: { audioEncoding: 'LINEAR16', sampleRateHertz: 16_000 },
      enableTimePointing: ['SSML_MARK'],
    });
    expect(chunks).toHaveLength(1);
    // Three marks at 300 ms each: 900 ms of audio, the WAV header stripped.
    expect(chunks[0]!.samples.length).toBe(14_400);
    expect(chunks[0]).toMatchObject({
      sampleRate: 16_000,
      words: [
        { word: 'Cheers', index: 0, startMs: 0, endMs: 300 },
        { word: 'mate', index: 1, startMs: 300, endMs: 600 },
      ],
    });
  });

  it('maps an unavailable service to a retryable error and a bad request to a non-retryable one', async () => {
    fake.failWith(grpc.status.UNAVAILABLE);
    await expect(speak('Hello.')).rejects.toMatchObject({ name: 'ProviderError', retryable: true });
    fake.failWith(grpc.status.INVALID_ARGUMENT);
    await expect(speak('Hello.')).rejects.toMatchObject({ name: 'ProviderError', retryable: false });
    fake.failWith(null);
  });

  it('cancels the call when aborted while waiting for the answer', async () => {
    fake.setDelay(5_000);
    const caller = new AbortController();
    const pending = speak('Hello.', caller.signal);
    setTimeout(() => caller.abort(new DOMException('barge-in', 'AbortError')), 50);
    await expect(pending).rejects.toMatchObject({ name: 'AbortError', message: 'barge-in' });
    fake.setDelay(0);
  });

  it('makes no call for blank text', async () => {
    const before = fake.requests.length;
    expect(await speak(' ')).toEqual([]);
    expect(fake.requests).toHaveLength(before);
  });
});
