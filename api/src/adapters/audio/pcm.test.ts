import { describe, expect, it } from 'vitest';
import { int16FromBytes, pcm16Chunks, pcm16FromWav } from './pcm';

function le(samples: number[]): Uint8Array {
  const bytes = new Uint8Array(samples.length * 2);
  const view = new DataView(bytes.buffer);
  for (const [i, s] of samples.entries()) view.setInt16(i * 2, s, true);
  return bytes;
}

async function* parts(...chunks: Uint8Array[]) {
  yield* chunks;
}

async function collect(stream: AsyncIterable<Int16Array>) {
  const out: Int16Array[] = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

describe('pcm16Chunks', () => {
  it('joins samples split across odd-sized network reads and skips empty reads', async () => {
    const bytes = le([1, -2, 300, -32768, 32767]);
    const chunks = await collect(
      pcm16Chunks(
        parts(
          bytes.subarray(0, 1),
          new Uint8Array(0),
          bytes.subarray(1, 4),
          bytes.subarray(4, 9),
          bytes.subarray(9),
        ),
      ),
    );
    expect(chunks.flatMap((c) => [...c])).toEqual([1, -2, 300, -32768, 32767]);
    expect(chunks.every((c) => c.length > 0)).toBe(true);
  });

  it('reads from an unaligned buffer offset', async () => {
    const backing = new Uint8Array(7);
    backing.set(le([-5, 6, 7]), 1);
    const chunks = await collect(pcm16Chunks(parts(backing.subarray(1))));
    expect([...chunks[0]!]).toEqual([-5, 6, 7]);
  });

  it('drops a dangling half sample at the end of a truncated body', async () => {
    const chunks = await collect(pcm16Chunks(parts(le([9, 10]).subarray(0, 3))));
    expect(chunks.flatMap((c) => [...c])).toEqual([9]);
  });
});

describe('int16FromBytes', () => {
  it('reads little-endian samples from an unaligned view into a copy the network buffer cannot change', () => {
    const backing = new Uint8Array(10);
    backing.set(le([-32768, 1, 32767, -2]), 1);
    const samples = int16FromBytes(backing.subarray(1, 10));
    backing.fill(0);
    // The odd trailing byte is not a sample.
    expect([...samples]).toEqual([-32768, 1, 32767, -2]);
  });
});

describe('pcm16FromWav', () => {
  function wav(samples: number[], sampleRate: number, extraChunk = false): Uint8Array {
    const data = le(samples);
    const extra = extraChunk ? 12 : 0;
    const bytes = new Uint8Array(44 + extra + data.length);
    const view = new DataView(bytes.buffer);
    const ascii = (at: number, s: string) => {
      for (const [i, c] of [...s].entries()) view.setUint8(at + i, c.charCodeAt(0));
    };
    ascii(0, 'RIFF');
    view.setUint32(4, bytes.length - 8, true);
    ascii(8, 'WAVE');
    ascii(12, 'fmt ');
    view.setUint32(16, 16, true);
    view.setUint16(20, 1, true);
    view.setUint16(22, 1, true);
    view.setUint32(24, sampleRate, true);
    view.setUint32(28, sampleRate * 2, true);
    view.setUint16(32, 2, true);
    view.setUint16(34, 16, true);
    let at = 36;
    if (extraChunk) {
      ascii(at, 'LIST');
      view.setUint32(at + 4, 4, true);
      at += 12;
    }
    ascii(at, 'data');
    view.setUint32(at + 4, data.length, true);
    bytes.set(data, at + 8);
    return bytes;
  }

  it('reads the samples and rate of a WAV file, skipping unknown chunks', () => {
    const { samples, sampleRate } = pcm16FromWav(wav([1, 2, -3], 24_000, true));
    expect([...samples]).toEqual([1, 2, -3]);
    expect(sampleRate).toBe(24_000);
  });

  it('treats headerless bytes as raw PCM', () => {
    expect(pcm16FromWav(le([4, 5]))).toEqual({ samples: Int16Array.from([4, 5]), sampleRate: null });
  });
});
