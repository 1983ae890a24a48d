import type { BlendshapeAnimator, BlendshapeStream } from '../adapters/blendshapes/types';
import type { TtsChunk } from '../adapters/tts/types';
import type { Rig } from '../adapters/visemes/rigs';
import type { VisemeService } from '../adapters/visemes/types';
import { BLENDSHAPE_FPS } from '../domain/arkit';
import type { WordTiming } from '../domain/audio';
import { planGestures } from '../domain/gesture-plan';
import type { GesturePayload } from '../domain/session-events';
import type { PlannedGesture } from './avatar-response-parser';
import type { SpeechEventPayload, SpeechRenderer, SpeechSentence } from './session-runtime';
import { SpeechChunker, type SpeechPiece } from './speech-chunker';

export interface AvatarRendererOptions {
  responseId: string;
  rig: Rig;
  visemes: VisemeService;
  /** Absent when neither the client nor the persona wants blendshape frames. */
  animator?: BlendshapeAnimator;
  /** The persona's gesture library; empty turns gestures off. */
  gestureLibrary: readonly string[];
  /** Visemes for the session's rig ride along with each chunk unless the client cannot use them. */
  withVisemes: boolean;
  chunkMs?: number;
  onWarning?: (message: string) => void;
}

/**
 * Turns one response's TTS audio into what an avatar plays: ~240 ms SpeechChunks (audio, phonemes, the rig's
 * visemes, the gestures that start inside them), 30 fps ARKit-52 frames from the audio model in lockstep with
 * the same samples, and the gesture plan placed on the spoken words once the model's answer is complete.
 */
export function createAvatarSpeechRenderer(opts: AvatarRendererOptions): SpeechRenderer {
  const chunker = new SpeechChunker({ chunkMs: opts.chunkMs });
  const words: WordTiming[] = [];
  let gestures: GesturePayload[] = [];
  let frames: BlendshapeStream | null = null;
  let framesRate = 0;
  let lastSeq = -1;

  const render = async (
    pieces: SpeechPiece[],
    sentence: SpeechSentence,
    alphabet: TtsChunk['phonemeAlphabet'],
  ) => {
    const events: SpeechEventPayload[] = [];
    for (const piece of pieces) {
      lastSeq = piece.seq;
      words.push(...piece.words);
      const end = piece.startMs + piece.durationMs;
      events.push({
        type: 'SpeechChunk',
        responseId: opts.responseId,
        chunkSeq: piece.seq,
        audio: Buffer.from(piece.samples.buffer, piece.samples.byteOffset, piece.samples.byteLength).toString(
          'base64',
        ),
        sampleRate: piece.sampleRate,
        encoding: 'pcm16',
        startMs: piece.startMs,
        durationMs: piece.durationMs,
        text:
          piece.words.length > 0
            ? piece.words.map((w) => w.word).join(' ')
            : piece.seq === 0
              ? sentence.text
              : '',
        phonemes: piece.phonemes,
        visemes: opts.withVisemes ? opts.visemes.cues(piece.phonemes, opts.rig, alphabet ?? 'espeak') : [],
        gestures: gestures.filter((g) => g.startMs >= piece.startMs && g.startMs < end),
      });
      if (opts.animator) {
        if (!frames || framesRate !== piece.sampleRate) {
          // A provider switch mid-answer can change the rate; frames restart on the new timeline.
          await frames?.flush();
          frames = opts.animator.createStream(piece.sampleRate, { onWarning: opts.onWarning });
          framesRate = piece.sampleRate;
        }
        const ready = await frames.push(piece.samples);
        if (ready.length > 0) {
          events.push({
            type: 'BlendshapeFrames',
            responseId: opts.responseId,
            chunkSeq: piece.seq,
            fps: BLENDSHAPE_FPS,
            sampleRate: piece.sampleRate,
            frames: ready,
          });
        }
      }
    }
    return events;
  };

  let alphabet: TtsChunk['phonemeAlphabet'];
  return {
    push: (chunk, sentence) => {
      alphabet = chunk.phonemeAlphabet ?? alphabet;
      return render(chunker.push(chunk), sentence, alphabet);
    },
    endSentence: (sentence) => render(chunker.flush(), sentence, alphabet),
    gesturePlan: (plan: PlannedGesture[], emotion: string | null) => {
      if (opts.gestureLibrary.length === 0) return [];
      const planned = planGestures({
        responseId: opts.responseId,
        // The planner validates the model's own snake_case shape.
        plan: plan.map((g) => ({
          gesture: g.gesture,
          word_index: g.wordIndex,
          at_word: g.atWord,
          duration_ms: g.durationMs,
          intensity: g.intensity,
        })),
        emotion,
        words,
        library: opts.gestureLibrary,
        speechDurationMs: chunker.offsetMs,
      });
      for (const warning of planned.warnings) opts.onWarning?.(warning);
      gestures = planned.gestures;
      return planned.gestures.map((g): SpeechEventPayload => ({ type: 'GestureEvent', ...g }));
    },
    end: async () => {
      // The model's look-ahead holds back the last frames until the audio is known to be over.
      const stream = frames;
      frames = null;
      const last = stream ? await stream.flush() : [];
      if (last.length === 0) return [];
      return [
        {
          type: 'BlendshapeFrames',
          responseId: opts.responseId,
          chunkSeq: Math.max(0, lastSeq),
          fps: BLENDSHAPE_FPS,
          sampleRate: framesRate,
          frames: last,
        },
      ];
    },
  };
}
