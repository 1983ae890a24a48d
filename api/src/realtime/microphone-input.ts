import {
  FrameAssembler,
  float32ToInt16,
  type ResamplerPool,
  type StreamingResampler,
} from '../adapters/audio/resampler';
import type { VoiceActivityDetector } from '../adapters/vad/types';
import type { InputSampleRate, PcmAudio } from '../domain/audio';
import type { AudioSink, ClientChannel } from '../transport/audio-socket';
import { TurnDetector, type TurnEvent } from './turn-detector';

/** What the microphone path drives in the session (a SessionRuntime). */
export interface ConversationInput {
  userUtterance(audio: PcmAudio): void;
  userSpeechStarted(): void;
  interrupt(): void;
}

export interface MicrophoneInputOptions {
  conversation: ConversationInput;
  vad: VoiceActivityDetector;
  resamplers: ResamplerPool;
  client: ClientChannel;
  endOfTurnSilenceMs: number;
  /** Audio kept from before the VAD fired, so the first phoneme is not clipped. */
  preRollMs?: number;
  /** Longest utterance kept; older audio is dropped (and counted) so memory stays bounded. */
  maxUtteranceMs?: number;
  onFirstAudio?: () => void;
}

/**
 * One socket's microphone stream: resample to the VAD's 16 kHz, cut into 32 ms frames, run Silero, detect
 * speech start (barge-in) and end of turn, and hand each finished utterance to the conversation.
 */
export class MicrophoneInput implements AudioSink {
  private resampler: StreamingResampler | null = null;
  private readonly frames: FrameAssembler;
  private readonly detector: TurnDetector;
  /** Recent frames while silent (pre-roll), then the utterance's frames while speaking. */
  private buffered: Float32Array[] = [];
  private utteranceId = '';
  private readonly maxFrames: number;
  private readonly preRollFrames: number;
  private started = false;
  droppedFrames = 0;

  constructor(private readonly opts: MicrophoneInputOptions) {
    const frameMs = (opts.vad.frameSize / opts.vad.sampleRate) * 1000;
    this.frames = new FrameAssembler(opts.vad.frameSize);
    this.detector = new TurnDetector({ frameMs, endOfTurnSilenceMs: opts.endOfTurnSilenceMs });
    this.maxFrames = Math.ceil((opts.maxUtteranceMs ?? 30_000) / frameMs);
    this.preRollFrames = Math.ceil((opts.preRollMs ?? 256) / frameMs);
  }

  async start(utteranceId: string, sampleRate: InputSampleRate): Promise<void> {
    this.finishUtterance(this.detector.cancel());
    this.release();
    this.resampler = await this.opts.resamplers.acquire(sampleRate, this.opts.vad.sampleRate);
    this.utteranceId = utteranceId;
    this.frames.reset();
    this.buffered = [];
    if (!this.started) {
      this.started = true;
      this.opts.onFirstAudio?.();
    }
  }

  async audio(pcm: Int16Array): Promise<void> {
    if (!this.resampler) return;
    for (const frame of this.frames.push(this.resampler.push(pcm))) {
      this.keep(frame);
      const probability = await this.opts.vad.process(frame);
      this.handle(this.detector.push(probability));
    }
  }

  endTurn(): void {
    const events = this.detector.endTurn();
    // An explicit end of turn without detected speech still answers whatever the client sent.
    const end = events.find((e) => e.type === 'speechEnd');
    if (end && end.type === 'speechEnd' && !end.hadSpeech && this.buffered.length > 0) {
      this.emitUtterance();
      return;
    }
    this.handle(events);
  }

  interrupt(): void {
    this.opts.conversation.interrupt();
  }

  vadHint(): void {
    // The server's VAD decides; client hints are accepted for protocol compatibility only.
  }

  close(): void {
    this.detector.cancel();
    this.release();
    this.buffered = [];
  }

  private keep(frame: Float32Array): void {
    this.buffered.push(frame);
    const limit = this.detector.speaking ? this.maxFrames : this.preRollFrames;
    while (this.buffered.length > limit) {
      this.buffered.shift();
      if (this.detector.speaking) this.droppedFrames++;
    }
  }

  private handle(events: TurnEvent[]): void {
    for (const event of events) {
      if (event.type === 'speechStart') {
        this.opts.client.send({ type: 'speech.started', utteranceId: this.utteranceId, atMs: event.atMs });
        this.opts.conversation.userSpeechStarted();
      } else {
        this.opts.client.send({
          type: 'speech.ended',
          utteranceId: this.utteranceId,
          atMs: event.atMs,
          endOfTurn: event.endOfTurn,
        });
        if (event.endOfTurn && event.hadSpeech) this.emitUtterance();
        else this.buffered = [];
      }
    }
  }

  private finishUtterance(events: TurnEvent[]): void {
    if (events.length > 0) this.buffered = [];
  }

  private emitUtterance(): void {
    const total = this.buffered.reduce((n, f) => n + f.length, 0);
    const samples = new Float32Array(total);
    let offset = 0;
    for (const frame of this.buffered) {
      samples.set(frame, offset);
      offset += frame.length;
    }
    this.buffered = [];
    this.opts.conversation.userUtterance({
      samples: float32ToInt16(samples),
      sampleRate: this.opts.vad.sampleRate,
    });
  }

  private release(): void {
    if (this.resampler) this.opts.resamplers.release(this.resampler);
    this.resampler = null;
  }
}
