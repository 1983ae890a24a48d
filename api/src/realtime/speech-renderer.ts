import { pcm16ToBase64 } from '../adapters/audio/pcm';
import type { BlendshapeAnimator, BlendshapeStream } from '../adapters/blendshapes/types';
import type { TtsChunk } from '../adapters/tts/types';
import type { Rig } from '../adapters/visemes/rigs';
import type { VisemeService } from '../adapters/visemes/types';
import { BLENDSHAPE_FPS } from '../domain/arkit';
import type { WordTiming } from '../domain/audio';
import { type PlannedGesture, planGestures } from '../domain/gesture-plan';
import type {
  BlendshapeFrame,
  GesturePayload,
  SessionEventPayload,
  VisemeCue,
} from '../domain/session-events';
import { SpeechChunker, type SpeechPiece } from './speech-chunker';

/** A sentence on its way to speech, with what the renderer needs to anchor visemes and gestures. */
export interface SpeechSentence {
  index: number;
  text: string;
  /** Index in the whole answer of this sentence's first word (gesture plans count words from 0). */
  firstWordIndex: number;
  /** Moderation put the persona's fallback in place of what the model said. */
  replaced?: boolean;
}

export type SpeechEventPayload = Extract<
  SessionEventPayload,
  { type: 'SpeechChunk' | 'BlendshapeFrames' | 'GestureEvent' }
>;

/**
 * Turns one answer's TTS audio into client events. Made once per answer because renderers keep state
 * (running offsets, coarticulation, chunk buffering). Every `SpeechChunk` carries offsets on the answer's
 * audio timeline (ms from its first sample): the runtime uses them to know what was played.
 */
export interface SpeechRenderer {
  push(chunk: TtsChunk, sentence: SpeechSentence): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /** The sentence's audio is complete: hand out anything still buffered. */
  endSentence(sentence: SpeechSentence): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /** The gesture plan and emotion arrive with the end of the model's answer, usually while speech goes on. */
  gesturePlan?(
    plan: readonly PlannedGesture[],
    emotion: string | null,
  ): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
  /** The answer's audio is over (or was cut off): last buffered events, resources handed back. Called once. */
  end?(): SpeechEventPayload[] | Promise<SpeechEventPayload[]>;
}

/** What an avatar shows of its speech, decided per session from the persona's and the client's capabilities. */
export interface AvatarLook {
  rig: Rig;
  visemes: boolean;
  blendshapes: boolean;
  /** The persona's gesture library; empty turns gestures off. */
  gestureLibrary: readonly string[];
}

/** The one way a piece of an answer's audio becomes a `SpeechChunk` event. */
function speechChunk(
  responseId: string,
  piece: SpeechPiece,
  extras: { text: string; visemes: VisemeCue[]; gestures: GesturePayload[] },
): SpeechEventPayload {
  return {
    type: 'SpeechChunk',
    responseId,
    chunkSeq: piece.seq,
    audio: pcm16ToBase64(piece.samples),
    sampleRate: piece.sampleRate,
    encoding: 'pcm16',
    startMs: piece.startMs,
    durationMs: piece.durationMs,
    phonemes: piece.phonemes,
    ...extras,
  };
}

/**
 * The renderer used when none is injected (pipeline tests, benchmarks): one `SpeechChunk` per TTS chunk with
 * its phonemes on the answer's timeline; no visemes, blendshapes or gestures.
 */
export function createBasicSpeechRenderer(responseId: string): SpeechRenderer {
  let seq = 0;
  let offsetMs = 0;
  return {
    push(chunk, sentence) {
      const startMs = offsetMs;
      const durationMs = (chunk.samples.length * 1000) / chunk.sampleRate;
      offsetMs += durationMs;
      const piece: SpeechPiece = {
        seq: seq++,
        samples: chunk.samples,
        sampleRate: chunk.sampleRate,
        startMs,
        durationMs,
        phonemes: (chunk.phonemes ?? []).map((p) => ({
          ...p,
          startMs: p.startMs + startMs,
          endMs: p.endMs + startMs,
        })),
        words: [],
      };
      return [speechChunk(responseId, piece, { text: sentence.text, visemes: [], gestures: [] })];
    },
    endSentence: () => [],
  };
}

export interface AvatarRendererOptions extends AvatarLook {
  responseId: string;
  visemeService: VisemeService;
  /** Required when `blendshapes` is on. */
  animator?: BlendshapeAnimator;
  chunkMs?: number;
  onWarning?: (message: string) => void;
}

/**
 * Turns one answer's TTS audio into what an avatar plays: ~240 ms SpeechChunks (audio, phonemes, the rig's
 * visemes, the gestures that start inside them), 30 fps ARKit-52 frames from the audio model in lockstep with
 * the same samples, and the gesture plan placed on the spoken words once the model's answer is complete.
 */
export function createAvatarSpeechRenderer(opts: AvatarRendererOptions): SpeechRenderer {
  const chunker = new SpeechChunker({ chunkMs: opts.chunkMs });
  const animator = opts.blendshapes || opts.visemes ? opts.animator : undefined;
  const words: WordTiming[] = [];
  let gestures: GesturePayload[] = [];
  let frames: BlendshapeStream | null = null;
  let framesRate = 0;
  /** Where the frame stream's sample 0 sits on the answer's timeline (it restarts when the rate changes). */
  let framesOriginMs = 0;
  let lastSeq = -1;
  let alphabet: TtsChunk['phonemeAlphabet'];

  const blendshapeFrames = (
    seq: number,
    sampleRate: number,
    list: BlendshapeFrame[],
  ): SpeechEventPayload => ({
    type: 'BlendshapeFrames',
    responseId: opts.responseId,
    chunkSeq: seq,
    fps: BLENDSHAPE_FPS,
    sampleRate,
    frames: list,
  });

  /** The frames of the face model that are ready once `piece` is heard (its look-ahead holds back the last two). */
  const animate = async (model: BlendshapeAnimator, piece: SpeechPiece): Promise<BlendshapeFrame[]> => {
    if (!frames || framesRate !== piece.sampleRate) {
      // A provider switch mid-answer can change the rate; frames restart on the new timeline.
      await frames?.flush();
      frames = model.createStream(piece.sampleRate, { onWarning: opts.onWarning });
      framesRate = piece.sampleRate;
      framesOriginMs = piece.startMs;
    }
    return frames.push(piece.samples);
  };

  const render = async (pieces: SpeechPiece[], sentence: SpeechSentence) => {
    const events: SpeechEventPayload[] = [];
    for (const piece of pieces) {
      lastSeq = piece.seq;
      words.push(...piece.words);
      const end = piece.startMs + piece.durationMs;
      // Speech without phoneme timings (OpenAI, Google) still gets visemes: read back from the face model's frames.
      const timed = piece.phonemes.length > 0;
      const ready = animator && (opts.blendshapes || !timed) ? await animate(animator, piece) : [];
      let visemes: VisemeCue[] = [];
      if (opts.visemes && timed)
        visemes = opts.visemeService.cues(piece.phonemes, opts.rig, alphabet ?? 'espeak');
      else if (opts.visemes) {
        const origin = Math.round(((piece.startMs - framesOriginMs) * piece.sampleRate) / 1000);
        visemes = opts.visemeService.cuesFromFrames(ready, opts.rig, piece.sampleRate, origin);
      }
      events.push(
        speechChunk(opts.responseId, piece, {
          text:
            piece.words.length > 0
              ? piece.words.map((w) => w.word).join(' ')
              : piece.seq === 0
                ? sentence.text
                : '',
          visemes,
          gestures: gestures.filter((g) => g.startMs >= piece.startMs && g.startMs < end),
        }),
      );
      if (opts.blendshapes && ready.length > 0)
        events.push(blendshapeFrames(piece.seq, piece.sampleRate, ready));
    }
    return events;
  };

  return {
    push: (chunk, sentence) => {
      alphabet = chunk.phonemeAlphabet ?? alphabet;
      return render(chunker.push(chunk), sentence);
    },
    endSentence: (sentence) => render(chunker.flush(), sentence),
    gesturePlan: (plan, emotion) => {
      if (opts.gestureLibrary.length === 0) return [];
      const planned = planGestures({
        responseId: opts.responseId,
        plan,
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
      return opts.blendshapes && last.length > 0
        ? [blendshapeFrames(Math.max(0, lastSeq), framesRate, last)]
        : [];
    },
  };
}

/** Makes each answer's renderer for a session, from what the avatar shows; `onWarning` logs for the answer. */
export function avatarSpeechRenderers(deps: { visemeService: VisemeService; animator: BlendshapeAnimator }) {
  return (responseId: string, look: AvatarLook, onWarning?: (message: string) => void): SpeechRenderer =>
    createAvatarSpeechRenderer({ responseId, ...look, ...deps, onWarning });
}
