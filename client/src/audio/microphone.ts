/**
 * Microphone capture in the browser: getUserMedia with echo cancellation and noise suppression, an AudioWorklet
 * at the device's rate, and 20 ms PCM16 frames at a rate the server takes. Device rates the server does not take
 * (44.1, 96, 22.05 kHz...) are resampled to 16 kHz with libsamplerate (WASM), the library the server uses.
 */
import { AvatarClientError } from '../errors';
import { addCaptureWorklet, CAPTURE_PROCESSOR } from './capture-worklet';
import { float32ToPcm16 } from './pcm';

/** The rates the audio socket accepts as they are. */
export const SERVER_SAMPLE_RATES = [8000, 16000, 24000, 48000] as const;
const RESAMPLED_RATE = 16000;

export interface MicrophoneOptions {
  /** Each 20 ms frame, PCM16LE mono at `Microphone.sampleRate`. */
  onAudio(pcm16: Uint8Array): void;
  /** Capture at this rate instead of the device's (the browser converts); mostly for tests. */
  deviceSampleRate?: number;
  /** Extra constraints; echo cancellation, noise suppression and auto gain are on unless turned off here. */
  constraints?: MediaTrackConstraints;
}

export class Microphone {
  private constructor(
    /** The rate frames are sent at. */
    readonly sampleRate: number,
    /** The rate the device delivers (the capture context's). */
    readonly deviceSampleRate: number,
    private readonly release: () => Promise<void>,
  ) {}

  /** Asks for the microphone; fails with MICROPHONE_DENIED, MICROPHONE_UNAVAILABLE or AUDIO_UNSUPPORTED. */
  static async open(opts: MicrophoneOptions): Promise<Microphone> {
    if (typeof AudioContext === 'undefined' || !globalThis.navigator?.mediaDevices?.getUserMedia) {
      throw new AvatarClientError('AUDIO_UNSUPPORTED', 'Microphone capture needs a browser with Web Audio');
    }
    let stream: MediaStream;
    try {
      stream = await navigator.mediaDevices.getUserMedia({
        audio: {
          channelCount: 1,
          echoCancellation: true,
          noiseSuppression: true,
          autoGainControl: true,
          ...opts.constraints,
        },
      });
    } catch (err) {
      throw microphoneError(err);
    }
    const context = new AudioContext(opts.deviceSampleRate ? { sampleRate: opts.deviceSampleRate } : {});
    try {
      await addCaptureWorklet(context);
      const deviceRate = context.sampleRate;
      const direct = (SERVER_SAMPLE_RATES as readonly number[]).includes(deviceRate);
      const sampleRate = direct ? deviceRate : RESAMPLED_RATE;
      const frames = new FrameCutter(sampleRate / 50, (frame) => opts.onAudio(float32ToPcm16(frame)));
      // Loaded only when needed: the WASM build is most of the package's size.
      const libsamplerate = direct ? null : await import('@alexanderolsen/libsamplerate-js');
      const resampler = libsamplerate
        ? await libsamplerate.create(1, deviceRate, sampleRate, {
            converterType: libsamplerate.ConverterType.SRC_SINC_FASTEST,
          })
        : null;
      const source = context.createMediaStreamSource(stream);
      const tap = new AudioWorkletNode(context, CAPTURE_PROCESSOR, { numberOfInputs: 1, numberOfOutputs: 0 });
      tap.port.onmessage = (event: MessageEvent<Float32Array>) => {
        // libsamplerate's streaming call returns a view of its own memory: copy before the next call.
        frames.push(resampler ? resampler.full(event.data).slice() : event.data);
      };
      source.connect(tap);
      await context.resume();
      return new Microphone(sampleRate, deviceRate, async () => {
        tap.port.onmessage = null;
        source.disconnect();
        for (const track of stream.getTracks()) track.stop();
        resampler?.destroy();
        await context.close();
      });
    } catch (err) {
      for (const track of stream.getTracks()) track.stop();
      await context.close().catch(() => undefined);
      throw new AvatarClientError('MICROPHONE_UNAVAILABLE', `Could not start capture: ${String(err)}`);
    }
  }

  close(): Promise<void> {
    return this.release();
  }
}

function microphoneError(err: unknown): AvatarClientError {
  const name = (err as { name?: string })?.name;
  if (name === 'NotAllowedError' || name === 'SecurityError') {
    return new AvatarClientError('MICROPHONE_DENIED', 'Microphone access was denied');
  }
  return new AvatarClientError(
    'MICROPHONE_UNAVAILABLE',
    `No usable microphone (${name ?? String(err)})`,
    true,
  );
}

/** Cuts a stream of float blocks of any length into frames of exactly `size` samples. */
export class FrameCutter {
  #frame: Float32Array;
  #filled = 0;

  constructor(
    readonly size: number,
    private readonly onFrame: (frame: Float32Array) => void,
  ) {
    this.#frame = new Float32Array(size);
  }

  push(samples: Float32Array): void {
    let offset = 0;
    while (offset < samples.length) {
      const n = Math.min(samples.length - offset, this.size - this.#filled);
      this.#frame.set(samples.subarray(offset, offset + n), this.#filled);
      this.#filled += n;
      offset += n;
      if (this.#filled === this.size) {
        this.onFrame(this.#frame);
        this.#frame = new Float32Array(this.size);
        this.#filled = 0;
      }
    }
  }
}
