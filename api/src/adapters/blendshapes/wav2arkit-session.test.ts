import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AppError } from '../../errors';
import { createWav2ArkitSession, DEFAULT_WAV2ARKIT_PATH } from './wav2arkit-session';

describe('createWav2ArkitSession', () => {
  it('loads the committed model with its streaming states', async () => {
    const loaded = await createWav2ArkitSession();
    expect(loaded.path).toBe(DEFAULT_WAV2ARKIT_PATH);
    expect(loaded.states.length).toBeGreaterThan(0);
    expect(
      loaded.initialStates.every((s, i) => s.length === loaded.states[i]!.dims.reduce((a, b) => a * b, 1)),
    ).toBe(true);
  });

  it('fails at creation, naming the path, when the model file is missing', async () => {
    const path = join(tmpdir(), 'no-such-dir', 'wav2arkit.onnx');
    const error = await createWav2ArkitSession(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain(path);
    expect((error as AppError).message).toContain('not found');
  });

  it('fails at creation, naming the path, when the model file is corrupted', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'wav2arkit-')), 'wav2arkit.onnx');
    writeFileSync(path, Buffer.from('this is not a protobuf model'.repeat(40)));
    const error = await createWav2ArkitSession(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AppError);
    expect((error as AppError).message).toContain(path);
    expect((error as AppError).message).toContain('corrupted');
  });
});
