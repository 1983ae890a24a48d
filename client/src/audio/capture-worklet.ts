/**
 * The AudioWorklet that taps the microphone: it hands the main thread blocks of 20 ms of mono floats at the
 * context's (the device's) rate. Kept as source text so the package needs no bundler setup for a worklet file:
 * it is loaded from a Blob URL.
 */
export const CAPTURE_PROCESSOR = 'avatar-capture';

export const CAPTURE_WORKLET_SOURCE = `
class AvatarCapture extends AudioWorkletProcessor {
  constructor() {
    super();
    this.size = Math.round(sampleRate / 50);
    this.block = new Float32Array(this.size);
    this.filled = 0;
  }
  process(inputs) {
    const channel = inputs[0] && inputs[0][0];
    if (!channel) return true;
    let offset = 0;
    while (offset < channel.length) {
      const n = Math.min(channel.length - offset, this.size - this.filled);
      this.block.set(channel.subarray(offset, offset + n), this.filled);
      this.filled += n;
      offset += n;
      if (this.filled === this.size) {
        this.port.postMessage(this.block, [this.block.buffer]);
        this.block = new Float32Array(this.size);
        this.filled = 0;
      }
    }
    return true;
  }
}
registerProcessor('${CAPTURE_PROCESSOR}', AvatarCapture);
`;

export async function addCaptureWorklet(context: AudioContext): Promise<void> {
  const url = URL.createObjectURL(new Blob([CAPTURE_WORKLET_SOURCE], { type: 'text/javascript' }));
  try {
    await context.audioWorklet.addModule(url);
  } finally {
    URL.revokeObjectURL(url);
  }
}
