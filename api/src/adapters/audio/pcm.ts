/** Little-endian PCM16 bytes as they come off the wire, whatever the network split them into. */
export async function* pcm16Chunks(bytes: AsyncIterable<Uint8Array>): AsyncGenerator<Int16Array> {
  let carry: number | null = null;
  for await (const part of bytes) {
    if (part.length === 0) continue;
    const whole: Uint8Array = carry === null ? part : prepend(carry, part);
    const even: number = whole.length & ~1;
    carry = even < whole.length ? whole[even]! : null;
    if (even > 0) yield int16FromBytes(whole.subarray(0, even));
  }
  // A dangling half sample means the body was cut short; dropping it keeps the audio aligned.
}

function prepend(byte: number, part: Uint8Array): Uint8Array {
  const joined = new Uint8Array(part.length + 1);
  joined[0] = byte;
  joined.set(part, 1);
  return joined;
}

const LITTLE_ENDIAN_HOST = new Uint8Array(Uint16Array.of(1).buffer)[0] === 1;

/**
 * Copies (an Int16Array view needs 2-byte alignment that network buffers do not promise) and reads LE. On a
 * little-endian host (x86, ARM) the copy is a plain byte copy; reading sample by sample cost about 2 µs per 20 ms
 * of 48 kHz audio, every frame of every microphone.
 */
export function int16FromBytes(bytes: Uint8Array): Int16Array {
  const samples = new Int16Array(bytes.byteLength >> 1);
  if (LITTLE_ENDIAN_HOST) {
    new Uint8Array(samples.buffer).set(bytes.subarray(0, samples.byteLength));
    return samples;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < samples.length; i++) samples[i] = view.getInt16(i * 2, true);
  return samples;
}

/**
 * The samples of a PCM16 WAV file (Google's LINEAR16 answers carry a RIFF header), or the bytes as they are
 * when there is no header.
 */
export function pcm16FromWav(bytes: Uint8Array): { samples: Int16Array; sampleRate: number | null } {
  const ascii = (at: number) => String.fromCharCode(...bytes.subarray(at, at + 4));
  if (bytes.length < 12 || ascii(0) !== 'RIFF' || ascii(8) !== 'WAVE') {
    return { samples: int16FromBytes(bytes.subarray(0, bytes.length & ~1)), sampleRate: null };
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let sampleRate: number | null = null;
  for (let at = 12; at + 8 <= bytes.length; ) {
    const id = ascii(at);
    const size = view.getUint32(at + 4, true);
    if (id === 'fmt ' && at + 16 <= bytes.length) sampleRate = view.getUint32(at + 12, true);
    if (id === 'data') {
      // Streams written before their length was known put 0 or 0xFFFFFFFF here: read to the end then.
      const end = size === 0 || at + 8 + size > bytes.length ? bytes.length : at + 8 + size;
      const data = bytes.subarray(at + 8, end);
      return { samples: int16FromBytes(data.subarray(0, data.length & ~1)), sampleRate };
    }
    at += 8 + size + (size & 1);
  }
  return { samples: new Int16Array(0), sampleRate };
}

/** PCM16 samples as the base64 of their little-endian bytes, the form speech travels in over GraphQL. */
export function pcm16ToBase64(samples: Int16Array): string {
  return Buffer.from(samples.buffer, samples.byteOffset, samples.byteLength).toString('base64');
}
