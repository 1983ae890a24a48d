/** Voice activity detection over fixed-size 16 kHz float windows. */
export interface VoiceActivityDetector {
  readonly label: string;
  readonly sampleRate: number;
  /** Samples per window the model expects (512 at 16 kHz for Silero v5 = 32 ms). */
  readonly windowSize: number;
  /**
   * Speech probability 0..1 for one window; keeps recurrent state between calls. The window is read until the
   * promise settles: the caller must not change it before (copying every window cost a 2 KB allocation per 32 ms
   * per stream, which at hundreds of streams drives garbage collection).
   */
  process(window: Float32Array): Promise<number>;
  reset(): void;
}
