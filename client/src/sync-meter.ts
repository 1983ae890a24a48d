/** The last few seconds of face/audio offsets, for a live A/V sync readout and the browser test's figures. */
export class SyncMeter {
  readonly #offsets: number[] = [];

  constructor(private readonly capacity = 600) {}

  add(offsetMs: number): void {
    this.#offsets.push(offsetMs);
    if (this.#offsets.length > this.capacity) this.#offsets.shift();
  }

  get count(): number {
    return this.#offsets.length;
  }

  /** The p-th percentile (0-100) of the absolute offsets, in ms; null before any frame was shown. */
  percentile(p: number): number | null {
    if (this.#offsets.length === 0) return null;
    const sorted = this.#offsets.map(Math.abs).sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? null;
  }

  /** Signed mean offset (positive: the face is ahead of the voice). */
  get mean(): number | null {
    if (this.#offsets.length === 0) return null;
    return this.#offsets.reduce((a, b) => a + b, 0) / this.#offsets.length;
  }
}
