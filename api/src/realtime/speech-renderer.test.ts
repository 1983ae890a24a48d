import { describe, expect, it } from 'vitest';
import { FakeBlendshapeAnimator } from '../adapters/blendshapes/testing/fake';
import type { TtsChunk } from '../adapters/tts/types';
import { VISEME_PROFILE } from '../adapters/visemes/profile';
import { ProfileVisemeService } from '../adapters/visemes/profile-viseme-service';
import { ARKIT_BLENDSHAPES } from '../domain/arkit';
import type { SessionEventPayload } from '../domain/session-events';
import { createAvatarSpeechRenderer } from './speech-renderer';

const RATE = 24_000;
const visemes = new ProfileVisemeService();
type Payload<T extends SessionEventPayload['type']> = Extract<SessionEventPayload, { type: T }>;
const ofType = <T extends SessionEventPayload['type']>(events: SessionEventPayload[], type: T) =>
  events.filter((e): e is Payload<T> => e.type === type);

/** 600 ms of "Hello there": two words, espeak phoneme names. */
function sentenceAudio(): TtsChunk {
  return {
    samples: new Int16Array(RATE * 0.6).fill(1000),
    sampleRate: RATE,
    phonemeAlphabet: 'espeak',
    phonemes: [
      { phoneme: 'h', startMs: 0, endMs: 60 },
      { phoneme: '@', startMs: 60, endMs: 120 },
      { phoneme: 'l', startMs: 120, endMs: 200 },
      { phoneme: 'oU', startMs: 200, endMs: 320 },
      { phoneme: 'D', startMs: 330, endMs: 400 },
      { phoneme: 'e@', startMs: 400, endMs: 580 },
    ],
    words: [
      { word: 'Hello', index: 0, startMs: 0, endMs: 320 },
      { word: 'there', index: 1, startMs: 330, endMs: 580 },
    ],
  };
}

function renderer(opts: { rig?: string; animator?: FakeBlendshapeAnimator; gestures?: string[] } = {}) {
  return createAvatarSpeechRenderer({
    responseId: 'r1',
    rig: visemes.resolveRig(opts.rig ?? 'oculus').rig,
    visemeService: visemes,
    animator: opts.animator,
    visemes: true,
    blendshapes: opts.animator !== undefined,
    gestureLibrary: opts.gestures ?? ['nod', 'smile'],
  });
}

const sentence = { index: 0, text: 'Hello there.', firstWordIndex: 0 };

describe('avatar speech renderer', () => {
  it('cuts a sentence into 240 ms chunks with their phonemes, rig visemes and words', async () => {
    const r = renderer();
    const events = [...(await r.push(sentenceAudio(), sentence)), ...(await r.endSentence(sentence))];
    const chunks = ofType(events, 'SpeechChunk');
    expect(chunks.map((c) => c.durationMs)).toEqual([240, 240, 120]);
    expect(chunks.map((c) => c.startMs)).toEqual([0, 240, 480]);
    expect(chunks.flatMap((c) => c.phonemes).map((p) => p.phoneme)).toEqual(['h', '@', 'l', 'oU', 'D', 'e@']);
    expect(chunks[0]!.visemes.length).toBeGreaterThan(0);
    // Oculus rig names, never ARKit blendshapes, for an oculus persona.
    expect(chunks.flatMap((c) => c.visemes).every((v) => !v.viseme.startsWith('mouth'))).toBe(true);
    expect(chunks.map((c) => c.text)).toEqual(['Hello', 'there', '']);
    const audioBytes = chunks.reduce((n, c) => n + Buffer.from(c.audio, 'base64').length, 0);
    expect(audioBytes).toBe(RATE * 0.6 * 2);
  });

  it('pairs 30 fps frames with the chunks’ samples and flushes the last ones at the end', async () => {
    const animator = new FakeBlendshapeAnimator();
    const r = renderer({ animator });
    const events = [
      ...(await r.push(sentenceAudio(), sentence)),
      ...(await r.endSentence(sentence)),
      ...(await r.end!()),
    ];
    const frames = ofType(events, 'BlendshapeFrames').flatMap((f) => f.frames);
    expect(frames.map((f) => f.index)).toEqual(Array.from({ length: 18 }, (_, i) => i));
    expect(frames.at(-1)!.sampleEnd).toBe(RATE * 0.6);
    for (const [i, frame] of frames.entries()) {
      if (i > 0) expect(frame.sampleStart).toBe(frames[i - 1]!.sampleEnd);
    }
  });

  it('places the gesture plan on spoken words, drops unknown gestures and tags later chunks', async () => {
    const r = renderer();
    await r.push(sentenceAudio(), { ...sentence });
    const planned = await r.gesturePlan!(
      [
        { gesture: 'nod', wordIndex: 1 },
        { gesture: 'backflip', wordIndex: 0 },
      ],
      null,
    );
    const gestures = ofType(planned, 'GestureEvent');
    expect(gestures.map((g) => [g.gesture, g.startMs, g.wordIndex])).toEqual([['nod', 330, 1]]);
  });

  it('reads visemes back from the face model for speech that came without phoneme timings', async () => {
    const animator = new FakeBlendshapeAnimator();
    const { rig } = visemes.resolveRig('oculus');
    const r = createAvatarSpeechRenderer({
      responseId: 'r1',
      rig,
      visemeService: visemes,
      animator,
      visemes: true,
      blendshapes: false,
      gestureLibrary: [],
    });
    const shape = (phoneme: string, strength: number) => {
      const weights = VISEME_PROFILE.rigs.arkit.weights[phoneme] ?? {};
      return ARKIT_BLENDSHAPES.map((name) => strength * ((weights as Record<string, number>)[name] ?? 0));
    };
    const untimed: TtsChunk = { samples: new Int16Array(RATE * 0.24).fill(1000), sampleRate: RATE };
    animator.weights = shape('aa', 0.9);
    const open = ofType(await r.push(untimed, sentence), 'SpeechChunk');
    animator.weights = shape('p', 1);
    const closed = ofType(await r.push(untimed, sentence), 'SpeechChunk');
    animator.weights = shape('sil', 0);
    const rest = ofType(await r.push(untimed, sentence), 'SpeechChunk');
    const map = rig.kind === 'viseme' ? rig.map : {};
    expect(open[0]!.visemes).toEqual([
      { viseme: map.aa, startMs: 0, endMs: expect.closeTo(233.33, 1), weight: expect.closeTo(0.9, 5) },
    ]);
    expect(closed[0]!.visemes.map((v) => v.viseme)).toEqual([map.p]);
    expect(closed[0]!.visemes[0]!.weight).toBeCloseTo(1, 5);
    expect(rest[0]!.visemes.map((v) => v.viseme)).toEqual([map.sil]);
    // Visemes were asked for, frames were not: none are sent.
    expect(ofType([...(await r.end!())], 'BlendshapeFrames')).toEqual([]);
  });

  it('sends no frames when the client or persona does not want them', async () => {
    const events = [...(await renderer().push(sentenceAudio(), sentence))];
    expect(ofType(events, 'BlendshapeFrames')).toEqual([]);
  });
});
