import {
  float32ToInt16,
  type ResamplerPool,
  type StreamingResampler,
  WindowAssembler,
} from '../adapters/audio/resampler';
import type { SttResult } from '../adapters/stt/types';
import type { VoiceActivityDetector } from '../adapters/vad/types';
import type { InputSampleRate, PcmAudio } from '../domain/audio';
import type { ClientChannel, MicrophoneSink, PlayedReport, StreamOptions, TurnOrigin } from './ports';
import { TurnDetector, type TurnEvent } from './turn-detector';

/** What the microphone path drives in the session (a SessionRuntime). */
export interface ConversationInput {
  userUtterance(audio: PcmAudio, utteranceId: string, origin: TurnOrigin): void;
  /** The transcript of the utterance so far, without answering it (null when it cannot be had). */
  previewTranscript?(audio: PcmAudio, signal: AbortSignal): Promise<SttResult | null>;
  /** What has been said so far of an utterance still going on, shown as a partial transcript. Never rejects. */
  partialTranscript?(audio: PcmAudio, utteranceId: string, signal: AbortSignal): Promise<void>;
  userSpeechStarted(): void;
  interrupt(played?: PlayedReport): void;
  /**
   * Every piece of the microphone's audio, at the VAD's 16 kHz, with the utterance id the client named (an agent
   * with its own turn detection hears it).
   */
  hear?(samples: Float32Array, utteranceId: string): void;
  /** The client streaming now counts its own playback and reports it at a barge-in. */
  expectPlaybackReports?(on: boolean): void;
}

export interface MicrophoneInputOptions {
  conversation: ConversationInput;
  vad: VoiceActivityDetector;
  resamplers: ResamplerPool;
  client: ClientChannel;
  endOfTurnSilenceMs: number;
  /**
   * Silence after which what was said is transcribed ahead (0: never): when it reads as a finished sentence or
   * question the turn ends at `finishedSilenceMs`, without waiting for the full silence; either way the turn uses
   * that transcript instead of transcribing again.
   */
  pauseMs?: number;
  /** Speech between two partial transcripts of an utterance still going on (0: no partials). */
  partialIntervalMs?: number;
  /**
   * A finished-looking transcript ends the turn once the silence has lasted this long (default: `pauseMs`), so a
   * pause at a comma ("Thank you, ...") does not cut the user off.
   */
  finishedSilenceMs?: number;
  /** Audio kept from before the VAD fired, so the first phoneme is not clipped. */
  preRollMs?: number;
  /** Longest utterance kept; older audio is dropped (and reported) so memory stays bounded. */
  maxUtteranceMs?: number;
  onWarning?: (message: string) => void;
}

/**
 * One client's microphone stream: resample to the VAD's 16 kHz, cut into 32 ms windows, run Silero, detect
 * speech start (barge-in) and end of turn, and hand each finished utterance to the conversation.
 *
 * Utterance ids: the first utterance of a stream carries the id from `audio.start`; each later one in the same
 * stream gets that id with a running suffix (`abc`, `abc.2`, `abc.3`), announced in `speech.started`, so the
 * socket's messages and the session's `TranscriptFinal`/`ResponseStarted` name the same utterance.
 */
export class MicrophoneInput implements MicrophoneSink {
  private resampler: StreamingResampler | null = null;
  private readonly windows: WindowAssembler;
  private readonly detector: TurnDetector;
  /** Recent windows while silent (pre-roll), then the utterance's windows while speaking. */
  private buffered: Float32Array[] = [];
  private streamId = '';
  /** The client's trace for this stream's turns. */
  private traceparent: string | undefined;
  private utterances = 0;
  private droppedWindows = 0;
  /** The transcript being taken at the current pause; dropped when speech goes on. */
  private preview: {
    controller: AbortController;
    result: Promise<SttResult | null>;
    /** It came back and reads as a finished sentence or question. */
    finished: boolean;
  } | null = null;
  /** The partial transcript being taken, and where in the stream (ms) the last one was asked for. */
  private partial: AbortController | null = null;
  private partialAskedAtMs = 0;
  private readonly maxWindows: number;
  private readonly preRollWindows: number;

  constructor(private readonly opts: MicrophoneInputOptions) {
    const windowMs = (opts.vad.windowSize / opts.vad.sampleRate) * 1000;
    this.windows = new WindowAssembler(opts.vad.windowSize);
    this.detector = new TurnDetector({
      windowMs,
      endOfTurnSilenceMs: opts.endOfTurnSilenceMs,
      pauseMs: opts.pauseMs ?? 0,
    });
    this.maxWindows = Math.ceil((opts.maxUtteranceMs ?? 30_000) / windowMs);
    this.preRollWindows = Math.ceil((opts.preRollMs ?? 256) / windowMs);
  }

  /** The id of the utterance being heard (or the next one). */
  get utteranceId(): string {
    return this.utterances === 0 ? this.streamId : `${this.streamId}.${this.utterances + 1}`;
  }

  async start(utteranceId: string, sampleRate: InputSampleRate, options: StreamOptions = {}): Promise<void> {
    // A new stream abandons whatever the previous one was saying.
    this.dropPreview();
    this.dropPartial();
    this.detector.cancel();
    this.release();
    this.resampler = await this.opts.resamplers.acquire(sampleRate, this.opts.vad.sampleRate);
    this.streamId = utteranceId;
    this.traceparent = options.traceparent;
    this.opts.conversation.expectPlaybackReports?.(options.playbackReports ?? false);
    this.utterances = 0;
    this.windows.reset();
    this.buffered = [];
  }

  /**
   * Synchronous (no promise) when the chunk completes no VAD window, as 3 in 8 chunks of 20 ms do: at hundreds of
   * microphones the promise and microtask per chunk show up.
   */
  audio(pcm: Int16Array): void | Promise<void> {
    if (!this.resampler) return;
    const samples = this.resampler.push(pcm);
    this.opts.conversation.hear?.(samples, this.utteranceId);
    const windows = this.windows.push(samples);
    if (windows.length > 0) return this.classify(windows);
  }

  private async classify(windows: Float32Array[]): Promise<void> {
    for (const window of windows) {
      this.keep(window);
      const probability = await this.opts.vad.process(window);
      this.handle(this.detector.push(probability));
      // The user went on talking: what was transcribed at the pause is not the whole utterance.
      if (this.preview && !this.detector.pausing) this.dropPreview();
      this.endIfFinished();
      this.transcribePartial();
    }
  }

  endTurn(): void {
    const events = this.detector.endTurn();
    // An explicit end of turn without detected speech still answers whatever the client sent.
    const end = events.find((e) => e.type === 'speechEnd');
    if (end?.type === 'speechEnd' && !end.hadSpeech && this.buffered.length > 0) {
      this.emitUtterance(end.reason, 0);
      return;
    }
    this.handle(events);
  }

  interrupt(played?: PlayedReport): void {
    this.opts.conversation.interrupt(played);
  }

  /**
   * The client's own VAD. Its "stopped speaking" ends the turn early when the server's VAD already hears
   * silence, saving the rest of the silence wait; a start is left to the server's VAD, which decides barge-in.
   */
  vadHint(speaking: boolean): void {
    if (!speaking) this.handle(this.detector.endIfSilent());
  }

  close(): void {
    this.opts.conversation.expectPlaybackReports?.(false);
    this.dropPreview();
    this.dropPartial();
    this.detector.cancel();
    this.release();
    this.buffered = [];
  }

  private keep(window: Float32Array): void {
    this.buffered.push(window);
    const limit = this.detector.speaking ? this.maxWindows : this.preRollWindows;
    while (this.buffered.length > limit) {
      this.buffered.shift();
      if (this.detector.speaking) this.droppedWindows++;
    }
  }

  private handle(events: TurnEvent[]): void {
    for (const event of events) {
      const utteranceId = this.utteranceId;
      if (event.type === 'speechStart') {
        this.partialAskedAtMs = event.atMs;
        this.opts.client.speechStarted({ utteranceId, atMs: event.atMs });
        this.opts.conversation.userSpeechStarted();
        continue;
      }
      if (event.type === 'pause') {
        this.transcribeAhead();
        continue;
      }
      this.opts.client.speechEnded({ utteranceId, atMs: event.atMs, endOfTurn: event.endOfTurn });
      if (event.endOfTurn && event.hadSpeech)
        this.emitUtterance(event.reason, this.detector.elapsedMs - event.atMs);
      else this.buffered = [];
      this.dropPreview();
      this.dropPartial();
    }
  }

  /**
   * While the user speaks, what was said so far is transcribed again every `partialIntervalMs` of speech, one
   * request at a time; the conversation shows what successive ones agree on. Dropped when the speech ends: the
   * final transcript replaces it.
   */
  private transcribePartial(): void {
    const partial = this.opts.conversation.partialTranscript;
    const interval = this.opts.partialIntervalMs ?? 0;
    if (!partial || interval <= 0 || this.partial || !this.detector.speaking || this.detector.pausing) return;
    if (this.detector.elapsedMs - this.partialAskedAtMs < interval) return;
    this.partialAskedAtMs = this.detector.elapsedMs;
    const controller = new AbortController();
    this.partial = controller;
    void partial
      .call(this.opts.conversation, this.utteranceAudio(), this.utteranceId, controller.signal)
      .catch(() => undefined)
      .finally(() => {
        if (this.partial === controller) this.partial = null;
      });
  }

  private dropPartial(): void {
    this.partial?.abort(new Error('the utterance ended'));
    this.partial = null;
  }

  /** At a pause, what was said so far is transcribed; a finished sentence or question may end the turn early. */
  private transcribeAhead(): void {
    const preview = this.opts.conversation.previewTranscript;
    if (!preview) return;
    this.dropPreview();
    const controller = new AbortController();
    const result = preview
      .call(this.opts.conversation, this.utteranceAudio(), controller.signal)
      // No preview: the turn is transcribed at its end, as without one.
      .catch(() => null);
    const current = { controller, result, finished: false };
    this.preview = current;
    void result.then((transcript) => {
      if (this.preview !== current || controller.signal.aborted) return;
      current.finished = transcript !== null && looksFinished(transcript.text);
      this.endIfFinished();
    });
  }

  /** The turn ends once what was said reads as finished and the silence has lasted long enough. */
  private endIfFinished(): void {
    if (!this.preview?.finished) return;
    if (this.detector.pauseMs < (this.opts.finishedSilenceMs ?? this.opts.pauseMs ?? 0)) return;
    this.handle(this.detector.endIfSilent('complete'));
  }

  private dropPreview(): void {
    this.preview?.controller.abort(new Error('the user went on'));
    this.preview = null;
  }

  /** `silenceMs`: how long the end of the turn waited after the last speech (the end-of-turn stage). */
  private emitUtterance(reason: string, silenceMs: number): void {
    const audio = this.utteranceAudio();
    // Only silence came after the pause: its transcript (taken, or still being taken) is the utterance's.
    const transcript = this.preview?.result;
    this.preview = null;
    this.buffered = [];
    if (this.droppedWindows > 0) {
      this.opts.onWarning?.(
        `utterance longer than ${this.opts.maxUtteranceMs ?? 30_000} ms: its first ${this.droppedWindows} VAD windows were dropped`,
      );
      this.droppedWindows = 0;
    }
    const utteranceId = this.utteranceId;
    this.utterances++;
    this.opts.conversation.userUtterance(audio, utteranceId, {
      traceparent: this.traceparent,
      endOfTurn: { reason, silenceMs },
      transcript,
    });
  }

  private utteranceAudio(): PcmAudio {
    const total = this.buffered.reduce((n, w) => n + w.length, 0);
    const samples = new Float32Array(total);
    let offset = 0;
    for (const window of this.buffered) {
      samples.set(window, offset);
      offset += window.length;
    }
    return { samples: float32ToInt16(samples), sampleRate: this.opts.vad.sampleRate };
  }

  private release(): void {
    if (this.resampler) this.opts.resamplers.release(this.resampler);
    this.resampler = null;
  }
}

/** A transcript that ends like a sentence or a question ("How are you?"), not mid-thought ("and then"). */
export function looksFinished(text: string): boolean {
  return /\w[^\w]*[.?!]["')\]]*$/.test(text.trim());
}
